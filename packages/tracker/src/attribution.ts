import type { StoredReferral, VisitInput, VisitResponse } from "./types";

export const DEFAULT_PARAMS = ["via", "ref"];
/** Optional sub-source of a link, e.g. `?via=ANNA7K2M&vsrc=newsletter`. */
export const SUB_SOURCE_PARAM = "vsrc";

/**
 * The visit a landing URL describes (or nothing when it carries no referral code), and the URL without
 * the Vouch parameters. UTM fields are read but stay in the URL: other analytics use them too.
 */
export function readLanding(href: string, params: string[]): [VisitInput, string] | undefined {
  const url = new URL(href);
  const query = url.searchParams;
  let code: string | null | undefined;
  for (const name of params) code ||= query.get(name);
  if (!code) return;
  // The code goes as written: the API normalises it (trim, upper case) and answers with the canonical form.
  const visit: VisitInput = { code, sub_source: query.get(SUB_SOURCE_PARAM)?.slice(0, 99) };
  for (const field of ["utm_source", "utm_medium", "utm_campaign"] as const) {
    visit[field] = query.get(field)?.slice(0, 199);
  }
  // Removed from the raw query, not through URLSearchParams: re-serialising would re-encode the other
  // parameters (`~`, `+`, `empty=`) and break a signed URL.
  const ours = [...params, SUB_SOURCE_PARAM];
  url.search = url.search
    .slice(1)
    .split("&")
    .filter((pair) => !ours.includes(pair.split("=")[0]!))
    .join("&");
  return [visit, url.href];
}

/**
 * Which referral to keep after the API recorded a visit: the newest one under last click; under first
 * click the one already kept, as long as its window is open (`current` is undefined once expired).
 */
export function referralAfterVisit(
  current: StoredReferral | undefined,
  visit: VisitResponse,
  now: number,
): StoredReferral | undefined {
  if (!current || visit.attribution.model === "last") {
    return {
      code: visit.code,
      click_id: visit.click_id,
      ts: now,
      expires: Date.parse(visit.expires_at),
      model: visit.attribution.model,
    };
  }
}

/**
 * The `vouch_ref` cookie: first-party, so the vendor's own server can read it at sign-up (URL-encoded
 * JSON); SameSite=Lax so it survives the click from an email or another site; gone when the window ends.
 * Without a referral it is the deleting form (max-age=0).
 */
export function referralCookie(value: string, maxAgeSeconds: number, domain?: string, secure?: boolean): string {
  return `vouch_ref=${value};path=/;max-age=${maxAgeSeconds};samesite=lax${domain ? `;domain=${domain}` : ""}${secure ? ";secure" : ""}`;
}
