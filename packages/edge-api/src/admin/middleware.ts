import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../lib/app";
import { clientAddress } from "../lib/client";
import { timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { checkRateLimit, SlidingWindowLimiter } from "../lib/rate-limit";
import type { AdminRole, ResolvedSession } from "./service";
import { resolveSession, SESSION_COOKIE } from "./service";

/**
 * The dashboard's authorisation: the session cookie instead of a secret key, for the same /v1 routes.
 *
 * - CSRF: the cookie is `SameSite=Strict` (a cross-site request does not carry it), a request with an `Origin`
 *   must come from the API's own origin, and every change must echo the session's CSRF token in `X-CSRF-Token`
 *   (the dashboard reads it from `GET /v1/admin/session`; another site cannot).
 * - Roles: a viewer reads; an admin runs the program; an owner also manages keys, the identity secret, the
 *   Stripe secret and admins.
 */

const READS = new Set(["GET", "HEAD"]);

/** Changes only an owner may make (a secret key may make them too: it is the deployment's owner credential). */
const OWNER_ONLY: RegExp[] = [
  /^\/v1\/api-keys(\/|$)/,
  /^\/v1\/program\/identity-secret(\/|$)/,
  /^\/v1\/integrations\/stripe$/,
  /^\/v1\/integrations\/(hubspot|salesforce)$/,
  /^\/v1\/admin\/admins(\/|$)/,
  // A webhook secret signs events the vendor's server acts on, and an endpoint's URL receives members' data.
  /^\/v1\/webhook-endpoints(\/|$)/,
  // Where money goes: a member's payout address, and sending the vendor's balance out (src/payouts). An admin who
  // could do both could pay themselves.
  /^\/v1\/members\/[^/]+\/payout-method$/,
  /^\/v1\/payouts\/(runs|settings)$/,
];
/** Reads that hand out a secret: owners only. */
const SECRET_READS: RegExp[] = [/^\/v1\/webhook-endpoints\/[^/]+\/secret$/];
/**
 * Program settings only an owner may change through `PATCH /v1/program` (checked by that route, which sees the
 * body): test mode accepts unsigned members, the origins decide who may use the publishable key, and signed
 * timestamps are what stops an old signature being replayed.
 */
export const OWNER_ONLY_SETTINGS = ["test_mode", "allowed_origins", "require_signature_timestamp"] as const;

export function hasSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/** A request that names its origin must name the API's own (the dashboard is served from it). */
export function sameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) {
    throw new ApiError("csrf_failed", "Dashboard sessions are only accepted from the dashboard's own origin.");
  }
}

export function requiredRole(method: string, path: string): AdminRole {
  // Anyone signed in may sign themselves out (here or everywhere), and try rules on a scenario (it saves nothing).
  if (READS.has(method) || /^\/v1\/admin\/session(\/|$)/.test(path) || path === "/v1/reward-rules/preview") {
    return SECRET_READS.some((r) => r.test(path)) ? "owner" : "viewer";
  }
  return OWNER_ONLY.some((r) => r.test(path)) ? "owner" : "admin";
}

const RANK: Record<AdminRole, number> = { viewer: 0, admin: 1, owner: 2 };

/** Checks the session behind the cookie for this request: origin, CSRF token on changes, role, rate. */
/** Unknown or ended session cookies cost a D1 read each: 60 a minute per client address, as for API keys. */
const badSessions = new SlidingWindowLimiter(60, 60_000);

export async function authenticateSession(
  c: Context<AppEnv>,
  token: string,
  opts: { program: boolean },
): Promise<ResolvedSession> {
  sameOrigin(c);
  const programId = opts.program ? (c.req.header("x-vouch-program") ?? null) : null;
  const address = `session:${clientAddress(c.req)}`;
  const guard = badSessions.peek(address);
  if (!guard.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many ended sessions from here. Retry after ${guard.retryAfter} s.`,
      undefined,
      {
        "Retry-After": String(guard.retryAfter),
      },
    );
  }
  let session: ResolvedSession;
  try {
    session = await resolveSession(c.env.DB, token, programId);
  } catch (err) {
    if (err instanceof ApiError && err.code === "session_expired") badSessions.check(address);
    throw err;
  }
  if (!READS.has(c.req.method)) {
    const sent = c.req.header("x-csrf-token") ?? "";
    if (!timingSafeEqual(sent, session.csrfToken)) {
      throw new ApiError("csrf_failed", "Send the session's CSRF token (GET /v1/admin/session) as X-CSRF-Token.");
    }
  }
  const needed = requiredRole(c.req.method, c.req.path);
  if (RANK[session.admin.role] < RANK[needed]) {
    throw new ApiError("forbidden_role", `This needs the ${needed} role; you are ${session.admin.role}.`, {
      role: session.admin.role,
      required: needed,
    });
  }
  const verdict = await checkRateLimit(c.env, "server", `admin:${session.admin.id}`);
  if (!verdict.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many requests. Retry after ${verdict.retryAfter} s.`,
      { limit_per_minute: verdict.limit },
      { "Retry-After": String(verdict.retryAfter) },
    );
  }
  if (opts.program) {
    if (!session.program) {
      throw new ApiError(
        "program_required",
        programId
          ? `Program ${programId} is not one of your workspace's programs.`
          : "Name the program with the X-Vouch-Program header.",
      );
    }
    c.set("program", session.program);
    c.set("keyId", `admin:${session.admin.id}`);
    c.set("role", session.admin.role);
  }
  return session;
}
