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
 *
 * A referral without a click id was set by the vendor's own server (`@vouch/node`'s attribution middleware
 * sends it with `Set-Cookie`, which Safari does not cap to 7 days as it caps cookies written by script).
 * The visit for its own code keeps it under either model, so the tracker never rewrites that cookie; the
 * lead capture build without the consent gate adds the click id to it, which `saveReferral` then writes to
 * localStorage only (the consent builds have no room for that, see README). Under last click a visit for
 * another code replaces it as usual.
 */
export function referralAfterVisit(
  current: StoredReferral | undefined,
  visit: VisitResponse,
  now: number,
): StoredReferral | undefined {
  const model = visit.attribution.model;
  if (!current || (model === "last" && (current.click_id || current.code !== visit.code))) {
    return { code: visit.code, click_id: visit.click_id, ts: now, expires: Date.parse(visit.expires_at), model };
  }
  if (__LEAD__ && !__CONSENT__ && !current.click_id && current.code === visit.code) {
    current.click_id = visit.click_id;
    return current;
  }
}
