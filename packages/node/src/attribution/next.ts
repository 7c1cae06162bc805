/**
 * `@vouch/node/next`: the attribution cookie from Next.js middleware (edge runtime), or anything else built
 * on the standard `Request`/`Response` (Remix, SvelteKit hooks, Astro, a Worker without a framework).
 *
 *   // middleware.ts
 *   import { NextResponse, type NextRequest } from "next/server";
 *   import { attribution } from "@vouch/node/next";
 *   const vouchAttribution = attribution({ windowDays: 90 });
 *   export function middleware(request: NextRequest) {
 *     return vouchAttribution(request, NextResponse.next());
 *   }
 */
import { type AttributionOptions, attributionCookie } from "./cookie";

export type { AttributionOptions, StoredReferral } from "./cookie";
export { readReferral } from "./cookie";

/**
 * Returns `(request, response) => response` that adds `Set-Cookie: vouch_ref=…` to the response when the
 * page request should carry it (see `attributionCookie`). The same response comes back (a `NextResponse`
 * stays one); a response with immutable headers (straight from `fetch`) is copied first.
 */
export function attribution(options: AttributionOptions = {}) {
  return <R extends Response>(request: Request, response: R): R => {
    try {
      if (request.method !== "GET" && request.method !== "HEAD") return response;
      const cookie = attributionCookie({ url: request.url, cookie: request.headers.get("cookie") }, options);
      if (!cookie) return response;
      return withSetCookie(response, cookie);
    } catch {
      return response;
    }
  };
}

/** Appends a `Set-Cookie` header, copying a response whose headers cannot change. */
export function withSetCookie<R extends Response>(response: R, cookie: string): R {
  try {
    response.headers.append("set-cookie", cookie);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.append("set-cookie", cookie);
    return copy as R;
  }
}
