/**
 * `@vouch/node/hono`: the attribution cookie as Hono middleware, e.g. a marketing site on Cloudflare Workers.
 *
 *   import { Hono } from "hono";
 *   import { attribution } from "@vouch/node/hono";
 *   const app = new Hono();
 *   app.use(attribution({ windowDays: 90 }));
 */
import { type AttributionOptions, attributionCookie } from "./cookie";
import { withSetCookie } from "./next";

export type { AttributionOptions, StoredReferral } from "./cookie";
export { readReferral } from "./cookie";

/** What the middleware uses of Hono's `Context` (typed structurally: Hono is not a dependency). */
export interface HonoContextLike {
  req: { raw: Request };
  res: Response;
}

/** Hono middleware that adds `Set-Cookie: vouch_ref=…` to page responses that should carry it. */
export function attribution(options: AttributionOptions = {}) {
  return async (c: HonoContextLike, next: () => Promise<void>): Promise<void> => {
    let cookie: string | undefined;
    try {
      const request = c.req.raw;
      if (request.method === "GET" || request.method === "HEAD") {
        cookie = attributionCookie({ url: request.url, cookie: request.headers.get("cookie") }, options);
      }
    } catch {}
    await next();
    if (cookie) c.res = withSetCookie(c.res, cookie);
  };
}
