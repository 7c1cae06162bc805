import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { type AppEnv, router } from "../lib/app";
import { clientAddress } from "../lib/client";
import { ApiError } from "../lib/errors";
import { defineRoute } from "../lib/openapi";
import { SlidingWindowLimiter } from "../lib/rate-limit";
import { iso } from "../lib/time";
import { accessConfig, accessEmail, adminByEmail } from "./access";
import { authenticateSession, hasSessionCookie, sameOrigin } from "./middleware";
import { adminViewSchema, createAdminSchema, sessionViewSchema, signInSchema } from "./schema";
import {
  adminView,
  createAdmin,
  listAdmins,
  openSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type SignedIn,
  signIn,
  signOut,
  signOutEverywhere,
  workspacePrograms,
} from "./service";

/** `/v1/admin`: the dashboard's sign-in, its session, and the workspace's admins. */
export const adminRoutes = router();

/** Sign-in attempts per client address (wrong passwords also lock the account: service.ts). */
const signIns = new SlidingWindowLimiter(10, 60_000);

const adminExample = {
  id: "adm_7Kp2Wq9Lm4Xz6Vb3",
  email: "dana@ledgerly.example",
  name: "Dana",
  role: "owner" as const,
  created_at: "2026-11-01T09:00:00.000Z",
  last_login_at: "2026-12-01T08:30:00.000Z",
};
const sessionExample = {
  admin: adminExample,
  csrf_token: "q8Lz3Xv7Np2Wm5Kb9Rt4Hd6Jf1Gc0A",
  expires_at: "2026-12-01T20:30:00.000Z",
  programs: [{ id: "prg_6Wm3Lq8Xp2Zn5Vb7", name: "Ledgerly", slug: "ledgerly", test_mode: false }],
};

async function session(c: Context<AppEnv>) {
  const token = hasSessionCookie(c);
  if (!token) {
    // `details.access`: this deployment signs people in through Cloudflare Access (POST /v1/admin/session/access).
    throw new ApiError("unauthorized", "Sign in first: POST /v1/admin/session.", {
      access: accessConfig(c.env) !== null,
    });
  }
  return authenticateSession(c, token, { program: false });
}

defineRoute(
  adminRoutes,
  {
    method: "post",
    path: "/session",
    operationId: "signIn",
    tag: "admins",
    summary: "Sign in to the dashboard",
    description:
      "Sets the `__Host-vouch_session` cookie (HttpOnly, Secure, SameSite=Strict, 12 hours). Ten attempts a minute per address; five wrong passwords in a row lock the account for 15 minutes.",
    auth: "none",
    body: signInSchema,
    bodyExample: { email: "dana@ledgerly.example", password: "correct horse battery staple" },
    responses: {
      200: {
        description: "Signed in: the session, and the programs this admin may open.",
        schema: sessionViewSchema,
        example: sessionExample,
      },
    },
    errors: ["invalid_credentials", "account_locked", "csrf_failed", "rate_limited"],
  },
  async (c, { body }) => {
    sameOriginOnly(c);
    const verdict = signIns.check(clientAddress(c.req));
    if (!verdict.ok) {
      throw new ApiError(
        "rate_limited",
        `Too many sign-in attempts. Retry after ${verdict.retryAfter} s.`,
        { limit_per_minute: signIns.limit },
        {
          "Retry-After": String(verdict.retryAfter),
        },
      );
    }
    return startSession(c, await signIn(c.env.DB, body.email, body.password, c.req.header("user-agent") ?? ""));
  },
);

defineRoute(
  adminRoutes,
  {
    method: "post",
    path: "/session/access",
    operationId: "signInWithAccess",
    tag: "admins",
    summary: "Sign in with Cloudflare Access",
    description:
      "When the deployment sets `ACCESS_TEAM_DOMAIN` and `ACCESS_AUD`, the JWT Cloudflare Access adds to the request (`Cf-Access-Jwt-Assertion`) is verified (RS256 against the team's keys, issuer, audience, expiry) and exchanged for a dashboard session, if its `email` is an admin's. The dashboard tries this before showing its sign-in form.",
    auth: "none",
    responses: {
      200: { description: "Signed in, as with a password.", schema: sessionViewSchema, example: sessionExample },
    },
    errors: ["not_found", "unauthorized", "invalid_credentials", "csrf_failed"],
  },
  async (c) => {
    sameOriginOnly(c);
    const config = accessConfig(c.env);
    if (!config) throw new ApiError("not_found", "Cloudflare Access is not set up for this deployment.");
    const token = c.req.header("cf-access-jwt-assertion");
    if (!token)
      throw new ApiError(
        "unauthorized",
        "No Cf-Access-Jwt-Assertion header: is the dashboard behind Cloudflare Access?",
      );
    const admin = await adminByEmail(c.env.DB, await accessEmail(config, token));
    return startSession(c, await openSession(c.env.DB, admin, c.req.header("user-agent") ?? ""));
  },
);

/**
 * Signing in from another site (login CSRF) is refused: a browser's request names its origin (`Origin`, or at
 * least `Sec-Fetch-Site`), and the body must be JSON, which a cross-site form cannot send without a preflight.
 */
function sameOriginOnly(c: Context<AppEnv>) {
  sameOrigin(c);
  const site = c.req.header("sec-fetch-site");
  const json = (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json");
  if (
    (site && site !== "same-origin" && site !== "none") ||
    (c.req.method === "POST" && c.req.path.endsWith("/session") && !json)
  ) {
    throw new ApiError("csrf_failed", "Sign in from the dashboard's own origin, with a JSON body.");
  }
}

/** Sets the session cookie and answers the session, after any way of signing in. */
async function startSession(c: Context<AppEnv>, signedIn: SignedIn) {
  setCookie(c, SESSION_COOKIE, signedIn.token, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
  return c.json({
    admin: adminView(signedIn.admin),
    csrf_token: signedIn.csrfToken,
    expires_at: iso(signedIn.expiresAt) as string,
    programs: await workspacePrograms(c.env.DB, signedIn.admin.workspace_id),
  });
}

defineRoute(
  adminRoutes,
  {
    method: "get",
    path: "/session",
    operationId: "getSession",
    tag: "admins",
    summary: "The current dashboard session",
    description: "What the dashboard reads when it opens: who is signed in, the CSRF token, and the programs.",
    auth: "session",
    responses: { 200: { description: "The session.", schema: sessionViewSchema, example: sessionExample } },
    errors: [],
  },
  async (c) => {
    const s = await session(c);
    return c.json({
      admin: adminView(s.admin),
      csrf_token: s.csrfToken,
      expires_at: iso(s.expiresAt) as string,
      programs: await workspacePrograms(c.env.DB, s.admin.workspace_id),
    });
  },
);

defineRoute(
  adminRoutes,
  {
    method: "delete",
    path: "/session",
    operationId: "signOut",
    tag: "admins",
    summary: "Sign out (this session)",
    auth: "session",
    responses: {
      200: {
        description: "Signed out.",
        schema: z.object({ signed_out: z.literal(1) }),
        example: { signed_out: 1 as const },
      },
    },
    errors: [],
  },
  async (c) => {
    const s = await session(c);
    await signOut(c.env.DB, s.sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.json({ signed_out: 1 as const });
  },
);

defineRoute(
  adminRoutes,
  {
    method: "post",
    path: "/session/sign-out-everywhere",
    operationId: "signOutEverywhere",
    tag: "admins",
    summary: "Sign out on every device",
    description: "Ends every session of the signed-in admin at once, this one included (after a lost laptop).",
    auth: "session",
    responses: {
      200: {
        description: "How many sessions ended.",
        schema: z.object({ signed_out: z.number().int() }),
        example: { signed_out: 3 },
      },
    },
    errors: [],
  },
  async (c) => {
    const s = await session(c);
    const signedOut = await signOutEverywhere(c.env.DB, s.admin.id);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.json({ signed_out: signedOut });
  },
);

defineRoute(
  adminRoutes,
  {
    method: "get",
    path: "/admins",
    operationId: "listAdmins",
    tag: "admins",
    summary: "The workspace's admins",
    auth: "session",
    responses: {
      200: {
        description: "Every admin, oldest first.",
        schema: z.object({ data: z.array(adminViewSchema) }),
        example: { data: [adminExample] },
      },
    },
    errors: [],
  },
  async (c) => {
    const s = await session(c);
    return c.json({ data: await listAdmins(c.env.DB, s.admin.workspace_id) });
  },
);

defineRoute(
  adminRoutes,
  {
    method: "post",
    path: "/admins",
    operationId: "createAdmin",
    tag: "admins",
    summary: "Add an admin (owners only)",
    auth: "session",
    body: createAdminSchema,
    bodyExample: { email: "sam@ledgerly.example", name: "Sam", role: "viewer", password: "a long first password" },
    responses: {
      201: {
        description: "The new admin.",
        schema: z.object({ admin: adminViewSchema }),
        example: { admin: { ...adminExample, role: "viewer" as const, last_login_at: null } },
      },
    },
    errors: ["conflict"],
  },
  async (c, { body }) => {
    const s = await session(c);
    return c.json({ admin: await createAdmin(c.env.DB, s.admin.workspace_id, body) }, 201);
  },
);
