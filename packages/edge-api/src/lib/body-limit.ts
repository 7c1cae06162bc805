import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app";
import { tooLarge } from "./validate";

const limiter = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  });

/**
 * Hono's bodyLimit: trusts a Content-Length over the limit, and otherwise counts the body as it streams in,
 * refusing it at the first chunk past the limit, so a chunked body without Content-Length is never buffered
 * whole. `routes` gives some routes (`"PUT /v1/reward-rules"`) another limit; one middleware picks it, so a
 * route is never counted against two limits.
 */
export function limitBody(maxBytes: number, routes: Record<string, number> = {}): MiddlewareHandler<AppEnv> {
  const standard = limiter(maxBytes);
  const byRoute = new Map(Object.entries(routes).map(([route, max]) => [route, limiter(max)]));
  return (c, next) => (byRoute.get(`${c.req.method} ${c.req.path}`) ?? standard)(c, next);
}
