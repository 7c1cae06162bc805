import type { Context } from "hono";
import type { AppEnv } from "../lib/app";

/**
 * A post to the portal came from the portal: `Sec-Fetch-Site` says same-origin where the browser sends it, and an
 * `Origin` (other than the "null" a no-referrer page sends) is the API's own. The SameSite=Lax session cookie already
 * stays home on a cross-site post; this refuses one outright. Used by each of the portal's forms.
 */
export function samePortalOrigin(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin") return false;
  const origin = c.req.header("origin");
  return !origin || origin === "null" || origin === new URL(c.req.url).origin;
}
