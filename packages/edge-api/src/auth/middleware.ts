import type { Context, MiddlewareHandler } from "hono";
import { authenticateSession, hasSessionCookie } from "../admin/middleware";
import type { AppEnv } from "../lib/app";
import { auditStatement } from "../lib/audit";
import { clientAddress } from "../lib/client";
import { ApiError } from "../lib/errors";
import { checkRateLimit, type RateLimitKind, type RateLimitVerdict, SlidingWindowLimiter } from "../lib/rate-limit";
import { isOriginAllowed } from "../programs/origins";
import { resolveKey } from "./keys";

const BROWSER_ALLOW_HEADERS = "Content-Type, X-Vouch-Key";

function refuseIfLimited(verdict: RateLimitVerdict, limitPerMinute: number): void {
  if (!verdict.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many requests. Retry after ${verdict.retryAfter} s.`,
      { limit_per_minute: limitPerMinute },
      { "Retry-After": String(verdict.retryAfter) },
    );
  }
}

async function enforceLimit(c: Context<AppEnv>, kind: RateLimitKind, key: string): Promise<void> {
  const verdict = await checkRateLimit(c.env, kind, key);
  refuseIfLimited(verdict, verdict.limit);
}

/**
 * Unknown keys cost a hash and a D1 read each, so each client address gets 60 wrong guesses a minute.
 * Counted in the isolate's memory on either backend: this guards D1 reads; the keys' randomness guards them.
 */
const badKeys = new SlidingWindowLimiter(60, 60_000);

async function resolveKeyGuarded(c: Context<AppEnv>, key: string) {
  const address = `bad:${clientAddress(c.req)}`;
  refuseIfLimited(badKeys.peek(address), badKeys.limit);
  try {
    return await resolveKey(c.env.DB, key);
  } catch (err) {
    if (err instanceof ApiError && err.code === "invalid_key") badKeys.check(address);
    throw err;
  }
}

/**
 * Browser routes: a publishable key from `X-Vouch-Key` or `?key=` (sendBeacon and text/plain "simple"
 * requests cannot set headers), checked against the program's allowed origins.
 *
 * CORS: a preflight carries no key, so it is answered for any origin; the real request is then refused
 * unless its Origin is on the program's list. The error still carries Access-Control-Allow-Origin so the
 * developer sees `origin_not_allowed` in the console instead of an opaque network error.
 */
export function browserAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Vary", "Origin");
    }
    if (c.req.method === "OPTIONS") {
      c.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      c.header("Access-Control-Allow-Headers", BROWSER_ALLOW_HEADERS);
      c.header("Access-Control-Max-Age", "86400");
      return c.body(null, 204);
    }
    const key = c.req.header("x-vouch-key") ?? c.req.query("key");
    if (!key) throw new ApiError("unauthorized", "Send your publishable key in the X-Vouch-Key header.");
    const resolved = await resolveKeyGuarded(c, key);
    if (resolved.type !== "publishable") {
      throw new ApiError(
        "key_type_not_allowed",
        "Secret keys must never reach a browser. Use the publishable key (vch_pk_…) here and rotate this secret key.",
      );
    }
    if (!origin) {
      throw new ApiError(
        "origin_not_allowed",
        "Publishable keys are only accepted from a browser with an Origin header.",
      );
    }
    if (!isOriginAllowed(origin, resolved.program.allowedOrigins)) {
      throw new ApiError("origin_not_allowed", `Origin ${origin} is not in this program's allowed origins.`, {
        origin,
      });
    }
    await enforceLimit(c, "browser", `${resolved.keyId}:${clientAddress(c.req)}`);
    c.set("program", resolved.program);
    c.set("keyId", resolved.keyId);
    c.set("origin", origin);
    await next();
  };
}

/**
 * Every change made through a dashboard session is recorded with the admin who made it, after it succeeded: status
 * changes, approvals, payments, rules and settings all say who clicked (a secret key is one credential, so its
 * changes are the deployment's). The referral's or member's id, when the path names one, lets their audit trail
 * show it.
 */
async function auditSessionWrite(c: Context<AppEnv>): Promise<void> {
  const path = c.req.path;
  const [, , kind, id] = path.split("/");
  const db = c.env.DB;
  await auditStatement(db, {
    programId: c.get("program").id,
    action: "admin.request",
    actor: c.get("keyId"),
    referralId: kind === "referrals" && id ? id : null,
    memberId: kind === "members" && id ? id : null,
    reason: `${c.req.method} ${path}`,
    data: { status: c.res.status },
  })
    .run()
    .catch((err) => console.error("audit of a dashboard change failed", String(err)));
}

/**
 * Server routes: `Authorization: Bearer vch_sk_…`, or the dashboard's session cookie (src/admin/middleware.ts).
 * No CORS headers, so a browser on another site cannot read them.
 */
export function secretAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // The dashboard: its session cookie stands for a secret key of the program it names (src/admin).
    const session = c.req.header("authorization") ? undefined : hasSessionCookie(c);
    if (session) {
      await authenticateSession(c, session, { program: true });
      await next();
      if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.res.status < 400) await auditSessionWrite(c);
      return;
    }
    // A browser on a web page (it always sends Origin on these calls) must never hold the secret key. Its
    // preflight is answered, so the page's real request arrives and gets this clear refusal, readable thanks
    // to Access-Control-Allow-Origin, instead of an opaque CORS failure. The refusal carries nothing else.
    const origin = c.req.header("origin");
    if (origin) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Vary", "Origin");
      if (c.req.method === "OPTIONS") {
        c.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
        c.header("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
        return c.body(null, 204);
      }
      throw new ApiError(
        "key_type_not_allowed",
        "This is a server route: call it from your server with the secret key, never from a browser (if this page holds a secret key, rotate it now).",
        { origin },
        { "Access-Control-Allow-Origin": origin, Vary: "Origin" },
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new ApiError("unauthorized", "Send your secret key as `Authorization: Bearer vch_sk_…`.");
    const resolved = await resolveKeyGuarded(c, match[1]);
    if (resolved.type !== "secret") {
      throw new ApiError("key_type_not_allowed", "This endpoint needs a secret key (vch_sk_…), not a publishable key.");
    }
    await enforceLimit(c, "server", resolved.keyId);
    c.set("program", resolved.program);
    c.set("keyId", resolved.keyId);
    c.set("role", "owner");
    await next();
  };
}
