/**
 * `@vouch/node/http`: the attribution cookie from a Node `http` server or Express (their `req`/`res` are
 * Node's). Node 18+.
 *
 *   import { attribution } from "@vouch/node/http";
 *   const vouchAttribution = attribution({ windowDays: 90 });
 *   app.use(vouchAttribution);                                   // Express
 *   createServer((req, res) => { vouchAttribution(req, res); … }) // plain http
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { type AttributionOptions, attributionCookie } from "./cookie";

export type { AttributionOptions, StoredReferral } from "./cookie";
export { readReferral } from "./cookie";

/**
 * A middleware that adds `Set-Cookie: vouch_ref=…` to page responses that should carry it (see
 * `attributionCookie`). Call it before the response's headers are sent; it calls `next` if given and never
 * throws into your server.
 */
export function attribution(options: AttributionOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    try {
      if (req.method === "GET" || req.method === "HEAD") {
        const cookie = attributionCookie({ url: requestUrl(req), cookie: req.headers.cookie }, options);
        if (cookie) appendSetCookie(res, cookie);
      }
    } catch {
      // A malformed URL or header must not break the vendor's page.
    }
    next?.();
  };
}

/** The page's URL as the browser asked for it: https behind TLS or a proxy that says so. */
function requestUrl(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-proto"];
  const proto = (req.socket as TLSSocket).encrypted
    ? "https"
    : (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || "http";
  return `${proto}://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
}

/** Adds a `Set-Cookie` header, keeping those already set (a session cookie, say). */
function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("set-cookie", [...list, cookie]);
}
