/**
 * The `vouch_ref` cookie, as the tracker (`packages/tracker`) reads and writes it: URL-encoded JSON
 * `{ code, click_id, ts, expires }` (times in ms since epoch), Path=/, SameSite=Lax, Secure on https, an
 * optional Domain shared with sub-domains. Set from the vendor's own server it has no click id and is
 * marked `set_by: "server"`; the tracker then never rewrites it (Safari caps cookies written by script to
 * 7 days, 24 hours after a click from a known tracker's site, which would cut a 90-day window short).
 */
export const REFERRAL_COOKIE = "vouch_ref";

/** What the server writes: the code as the API normalises it, when it was kept and when the window ends (ms). */
export interface ServerReferral {
  code: string;
  ts: number;
  expires: number;
  set_by?: "server";
}

/**
 * The referral in `vouch_ref`, the tracker's `StoredReferral` (packages/tracker/src/types.ts; a test keeps the
 * two equal): the tracker adds the visit's click id (the server cannot know it) and the program's model.
 */
export interface StoredReferral extends ServerReferral {
  click_id?: string;
  model?: "first" | "last";
}

export interface AttributionOptions {
  /**
   * Query parameters that carry the code, first match wins. Default `["via"]`, the parameter of every link
   * Vouch makes. `ref` is other tools' parameter too (`?ref=producthunt`): the server cannot tell their value
   * from a code, and under first click would keep it for the whole window, so add it only if you use it.
   */
  params?: string[];
  /** The program's attribution window in days (`attribution.window_days`); default 90. */
  windowDays?: number;
  /** The program's attribution model (`attribution.model`); default `first`, the API's default. */
  model?: "first" | "last";
  /** The cookie's domain: the same as the tracker's `data-domain` (e.g. `example.com` for `www.` and `app.`). */
  domain?: string;
  /** `Secure`; default: when the request came over https. */
  secure?: boolean;
}

export const DEFAULT_PARAMS = ["via"];
export const DEFAULT_WINDOW_DAYS = 90;
/** The sub-source parameter (`?via=ANNA7K2M&vsrc=newsletter`); the tracker records it with the visit. */
export const SUB_SOURCE_PARAM = "vsrc";
/** The shape of a code the API can have issued (`CUSTOM_CODE_PATTERN` in the API). */
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/;
const DAY_MS = 86_400_000;

/** The referral code (trimmed, upper case) and sub-source a landing URL carries, if any. */
export function landingReferral(
  url: string | URL,
  params: readonly string[] = DEFAULT_PARAMS,
): { code: string; subSource?: string } | undefined {
  const query = new URL(url, "http://localhost").searchParams;
  for (const name of params) {
    const code = query.get(name)?.trim();
    if (!code) continue;
    if (!CODE_PATTERN.test(code)) return;
    const subSource = query.get(SUB_SOURCE_PARAM)?.slice(0, 99);
    return { code: code.toUpperCase(), ...(subSource ? { subSource } : {}) };
  }
}

/**
 * The referral in a `Cookie` header, unless it has expired or is not one: what your sign-up handler reads
 * to pass `click_id` or `code` to `recordConversion`.
 */
export function readReferral(cookieHeader: string | null | undefined, now = Date.now()): StoredReferral | undefined {
  const raw = /(?:^|;\s*)vouch_ref=([^;]+)/.exec(cookieHeader ?? "")?.[1];
  if (!raw) return;
  try {
    const referral = JSON.parse(decodeURIComponent(raw)) as StoredReferral;
    const valid =
      typeof referral?.code === "string" &&
      typeof referral.ts === "number" &&
      typeof referral.expires === "number" &&
      (referral.click_id === undefined || typeof referral.click_id === "string");
    return valid && referral.expires > now ? referral : undefined;
  } catch {
    return;
  }
}

/** The `Set-Cookie` value that stores `referral` for `maxAgeS` seconds. */
export function serializeReferral(
  referral: StoredReferral,
  maxAgeS: number,
  options: Pick<AttributionOptions, "domain" | "secure"> = {},
): string {
  let cookie = `${REFERRAL_COOKIE}=${encodeURIComponent(JSON.stringify(referral))}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}; SameSite=Lax`;
  if (options.domain) cookie += `; Domain=${options.domain}`;
  if (options.secure) cookie += "; Secure";
  return cookie;
}

/**
 * What the vendor's server should answer a page request with: the `Set-Cookie` value, or `undefined`.
 *
 * - A landing URL with a code (`?via=ANNA7K2M`): a new referral `{ code, ts, expires, set_by: "server" }`
 *   for the program's window, unless the model is first click and the visitor already has one.
 * - Otherwise a referral the tracker wrote (it has a click id and no `set_by`) is written again from the
 *   server with what is left of its window, so it too escapes Safari's cap from the next page view on.
 *
 * Call it for page requests (GET/HEAD) only; the adapters do.
 */
export function attributionCookie(
  request: { url: string | URL; cookie?: string | null | undefined },
  options: AttributionOptions = {},
  now = Date.now(),
): string | undefined {
  const url = new URL(request.url, "http://localhost");
  const cookieOptions = { domain: options.domain, secure: options.secure ?? url.protocol === "https:" };
  const current = readReferral(request.cookie, now);
  const landing = landingReferral(url, options.params);
  if (landing && (!current || options.model === "last")) {
    const windowMs = (options.windowDays ?? DEFAULT_WINDOW_DAYS) * DAY_MS;
    const referral: ServerReferral = { code: landing.code, ts: now, expires: now + windowMs, set_by: "server" };
    return serializeReferral(referral, windowMs / 1000, cookieOptions);
  }
  if (current?.click_id && !current.set_by) {
    return serializeReferral({ ...current, set_by: "server" }, (current.expires - now) / 1000, cookieOptions);
  }
}
