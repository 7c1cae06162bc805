import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, inject, it } from "vitest";
import { API, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { app } from "../index";
import type { Statement } from "../lib/sql";
import { verifyPassword } from "./password";
import { type AdminRole, LOCKOUT_MS, MAX_FAILED_LOGINS, newAdminStatements, signIn as signInDirect } from "./service";

type Json = Record<string, any>;
const PASSWORD = "correct horse battery staple";
let n = 0;

async function run(statements: Statement[]) {
  await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
}

/** A workspace holding the program, with one admin per role. */
async function workspace(p: TestProgram) {
  const tag = `${++n}-${p.id.slice(-6).toLowerCase()}`;
  const owner = await newAdminStatements({
    email: `owner-${tag}@ledgerly.test`,
    password: PASSWORD,
    role: "owner",
    programIds: [p.id],
  });
  await run(owner.statements);
  const emails: Record<AdminRole, string> = {
    owner: `owner-${tag}@ledgerly.test`,
    admin: `admin-${tag}@ledgerly.test`,
    viewer: `viewer-${tag}@ledgerly.test`,
  };
  for (const role of ["admin", "viewer"] as const) {
    await run(
      (await newAdminStatements({ email: emails[role], password: PASSWORD, role, workspaceId: owner.workspaceId }))
        .statements,
    );
  }
  return { workspaceId: owner.workspaceId, emails };
}

async function call(
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await SELF.fetch(`${API}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { res, json: (text ? JSON.parse(text) : null) as Json };
}

/** Each sign-in from its own address unless one is given: ten a minute per address are allowed. */
async function signIn(email: string, password = PASSWORD, address = `203.0.113.${++n % 250}`) {
  const { res, json } = await call("POST", "/v1/admin/session", {
    body: { email, password },
    headers: { origin: API, "cf-connecting-ip": address },
  });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { res, json, setCookie, cookie: setCookie.split(";")[0] ?? "", csrf: json?.csrf_token as string };
}

describe("dashboard sign-in", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict session cookie and answers the session with its programs", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const s = await signIn(emails.owner.toUpperCase());
    expect(s.res.status).toBe(200);
    expect(s.setCookie).toMatch(
      /^__Host-vouch_session=[A-Za-z0-9_-]{40,}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(s.json).toMatchObject({ admin: { email: emails.owner, role: "owner" }, programs: [{ id: p.id }] });
    // Only the token's hash is stored: the cookie's value is nowhere in D1.
    const token = s.cookie.split("=")[1] ?? "";
    const stored = await env.DB.prepare("SELECT id FROM admin_sessions WHERE id = ?").bind(token).first();
    expect(stored).toBeNull();
    const again = await call("GET", "/v1/admin/session", { cookie: s.cookie });
    expect(again.json).toMatchObject({ admin: { email: emails.owner }, csrf_token: s.csrf });
  });

  it("stores PBKDF2-SHA256 with 100,000 iterations and a salt per admin", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const { results } = await env.DB.prepare("SELECT password_hash FROM admins WHERE email IN (?, ?)")
      .bind(emails.owner, emails.admin)
      .all<{ password_hash: string }>();
    const [a, b] = results.map((r) => r.password_hash);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a?.split("$")[2]).not.toBe(b?.split("$")[2]);
    expect(await verifyPassword(PASSWORD, a ?? "")).toEqual({ ok: true, rehash: false });
    expect((await verifyPassword("Correct horse battery staple", a ?? "")).ok).toBe(false);
  });

  it("answers a wrong password and an unknown email alike, and locks the account after five wrong ones", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const unknown = await signIn("nobody@ledgerly.test");
    const wrong = await signIn(emails.admin, "wrong password!");
    expect(unknown.res.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.json.error.code).toBe("invalid_credentials");
    for (let i = 1; i < MAX_FAILED_LOGINS; i++)
      expect((await signIn(emails.admin, "wrong password!")).res.status).toBe(401);
    const locked = await signIn(emails.admin); // the right password, too late
    expect(locked.res.status).toBe(429);
    expect(locked.json.error.code).toBe("account_locked");
    expect(Number(locked.res.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(locked.setCookie).toBe("");
    // Another admin of the workspace is not affected; a successful sign-in resets the count.
    expect((await signIn(emails.viewer)).res.status).toBe(200);
  });

  it("allows ten attempts a minute from one address", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await signIn(`nobody${i}@ledgerly.test`, PASSWORD, "198.51.100.7")).res.status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const limited = await signIn(emails.owner, PASSWORD, "198.51.100.7");
    expect(limited.json.error.code).toBe("rate_limited");
    expect((await signIn(emails.owner, PASSWORD, "198.51.100.8")).res.status).toBe(200);
  });

  it("refuses a sign-in posted from another origin (login CSRF)", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const { res, json } = await call("POST", "/v1/admin/session", {
      body: { email: emails.owner, password: PASSWORD },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(json.error.code).toBe("csrf_failed");
  });
});

describe("the /v1 API behind a session", () => {
  it("acts on the program named by X-Vouch-Program, only if it is the workspace's", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const { emails } = await workspace(p);
    const s = await signIn(emails.viewer);
    const read = await call("GET", "/v1/program", { cookie: s.cookie, headers: { "x-vouch-program": p.id } });
    expect(read.res.status).toBe(200);
    expect(read.json.program.id).toBe(p.id);
    const missing = await call("GET", "/v1/program", { cookie: s.cookie });
    expect(missing.json.error.code).toBe("program_required");
    const foreign = await call("GET", "/v1/program", { cookie: s.cookie, headers: { "x-vouch-program": other.id } });
    expect(foreign.res.status).toBe(400);
    expect(foreign.json.error).toMatchObject({ code: "program_required" });
    expect(JSON.stringify(foreign.json)).not.toContain("slug");
  });

  it("needs the CSRF token and the API's own origin for every change", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const s = await signIn(emails.admin);
    const headers = { "x-vouch-program": p.id };
    const body = { offer_text: "Two months free for you both." };
    const noToken = await call("PATCH", "/v1/program", { cookie: s.cookie, headers, body });
    expect(noToken.res.status).toBe(403);
    expect(noToken.json.error.code).toBe("csrf_failed");
    const wrongToken = await call("PATCH", "/v1/program", {
      cookie: s.cookie,
      headers: { ...headers, "x-csrf-token": `${s.csrf}x` },
      body,
    });
    expect(wrongToken.json.error.code).toBe("csrf_failed");
    const crossSite = await call("PATCH", "/v1/program", {
      cookie: s.cookie,
      headers: { ...headers, "x-csrf-token": s.csrf, origin: "https://evil.example" },
      body,
    });
    expect(crossSite.json.error.code).toBe("csrf_failed");
    const ok = await call("PATCH", "/v1/program", {
      cookie: s.cookie,
      headers: { ...headers, "x-csrf-token": s.csrf, origin: API },
      body,
    });
    expect(ok.res.status).toBe(200);
    const row = await env.DB.prepare("SELECT offer_text FROM programs WHERE id = ?")
      .bind(p.id)
      .first<{ offer_text: string }>();
    expect(row?.offer_text).toBe("Two months free for you both.");
  });

  it("lets viewers read, admins run the program, and only owners manage keys and admins", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const as = async (role: AdminRole) => {
      const s = await signIn(emails[role]);
      return (method: string, path: string, body?: unknown) =>
        call(method, path, { cookie: s.cookie, body, headers: { "x-vouch-program": p.id, "x-csrf-token": s.csrf } });
    };
    const viewer = await as("viewer");
    const admin = await as("admin");
    const owner = await as("owner");
    expect((await viewer("GET", "/v1/rewards")).res.status).toBe(200);
    const preview = await viewer("POST", "/v1/reward-rules/preview", {
      rules: { rules: [] },
      scenario: { friends: 1, value_cents: 100, currency: "USD" },
    });
    expect(preview.res.status).toBe(200);
    const refused = await viewer("POST", "/v1/rewards/approve", { ids: ["rwd_none"] });
    expect(refused.res.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: "forbidden_role",
      details: { role: "viewer", required: "admin" },
    });
    expect((await admin("POST", "/v1/rewards/approve", { ids: ["rwd_none"] })).res.status).not.toBe(403);
    expect((await admin("POST", "/v1/api-keys", { type: "secret" })).json.error.code).toBe("forbidden_role");
    expect(
      (
        await admin("POST", "/v1/admin/admins", {
          email: "x@ledgerly.test",
          role: "viewer",
          password: "a long password",
        })
      ).json.error.code,
    ).toBe("forbidden_role");
    const key = await owner("POST", "/v1/api-keys", { type: "secret" });
    expect(key.res.status).toBe(201);
    expect(key.json.key.secret).toMatch(/^vch_sk_/);
    const added = await owner("POST", "/v1/admin/admins", {
      email: `new-${p.id}@ledgerly.test`,
      role: "viewer",
      password: "short",
    });
    expect(added.json.error.code).toBe("validation_failed");
    const created = await owner("POST", "/v1/admin/admins", {
      email: `new-${p.id}@ledgerly.test`,
      role: "viewer",
      password: "a long first password",
    });
    expect(created.res.status).toBe(201);
    expect((await signIn(`new-${p.id}@ledgerly.test`, "a long first password")).res.status).toBe(200);
  });

  it("signs out here, or everywhere at once", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const laptop = await signIn(emails.owner);
    const phone = await signIn(emails.owner);
    const tablet = await signIn(emails.owner);
    const out = await call("DELETE", "/v1/admin/session", {
      cookie: tablet.cookie,
      headers: { "x-csrf-token": tablet.csrf },
    });
    expect(out.res.headers.get("set-cookie") ?? "").toMatch(/^__Host-vouch_session=; Max-Age=0/);
    expect((await call("GET", "/v1/admin/session", { cookie: tablet.cookie })).json.error.code).toBe("session_expired");
    expect((await call("GET", "/v1/admin/session", { cookie: phone.cookie })).res.status).toBe(200);
    const everywhere = await call("POST", "/v1/admin/session/sign-out-everywhere", {
      cookie: laptop.cookie,
      headers: { "x-csrf-token": laptop.csrf },
    });
    expect(everywhere.json).toEqual({ signed_out: 2 });
    for (const s of [laptop, phone]) {
      const after = await call("GET", "/v1/program", { cookie: s.cookie, headers: { "x-vouch-program": p.id } });
      expect(after.res.status).toBe(401);
      expect(after.json.error.code).toBe("session_expired");
    }
    expect((await call("GET", "/v1/admin/session")).json.error.code).toBe("unauthorized");
    // A viewer changes nothing, but may sign out.
    const viewer = await signIn(emails.viewer);
    const bye = await call("DELETE", "/v1/admin/session", {
      cookie: viewer.cookie,
      headers: { "x-csrf-token": viewer.csrf },
    });
    expect(bye.res.status).toBe(200);
    expect((await call("GET", "/v1/admin/session", { cookie: viewer.cookie })).res.status).toBe(401);
  });
});

describe("Cloudflare Access", () => {
  it("exchanges a verified Access JWT for a session, for an admin's email only", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    // A team's key set on a local server, published as Cloudflare publishes it.
    const team = `${inject("receiverUrl")}/access/team-${p.id}`;
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const other = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    await fetch(`${inject("receiverUrl")}/access/team-${p.id}`, {
      method: "PUT",
      body: JSON.stringify({ keys: [jwk] }),
    });
    const accessEnv = { ...env, ACCESS_TEAM_DOMAIN: team, ACCESS_AUD: "aud-dashboard" } as unknown as Env;
    const jwt = (claims: Record<string, unknown>, key = privateKey, aud = "aud-dashboard") =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(team)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(key);
    const exchange = async (token: string | null, environment: Env = accessEnv) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`${API}/v1/admin/session/access`, {
          method: "POST",
          headers: { origin: API, ...(token ? { "cf-access-jwt-assertion": token } : {}) },
        }),
        environment,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return { res, json: (await res.json()) as Json };
    };

    const ok = await exchange(await jwt({ email: emails.admin.toUpperCase() }));
    expect(ok.res.status).toBe(200);
    expect(ok.json.admin).toMatchObject({ email: emails.admin, role: "admin" });
    const cookie = (ok.res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await call("GET", "/v1/program", { cookie, headers: { "x-vouch-program": p.id } })).res.status).toBe(200);

    const refusals = await Promise.all([
      exchange(await jwt({ email: "stranger@elsewhere.test" })),
      exchange(await jwt({ email: emails.admin }, other.privateKey)),
      exchange(await jwt({ email: emails.admin }, privateKey, "another-app")),
      exchange(null),
    ]);
    expect(refusals.map((r) => [r.res.status, r.json.error.code])).toEqual([
      [401, "invalid_credentials"],
      [401, "invalid_credentials"],
      [401, "invalid_credentials"],
      [401, "unauthorized"],
    ]);
    expect(refusals[0]?.json.error.message).toContain("not a Vouch admin");
    expect(refusals[2]?.json.error.message).toContain("aud");
    // Not configured: the route says so, whatever the header.
    const off = await exchange(await jwt({ email: emails.admin }), env);
    expect(off.json.error.code).toBe("not_found");
  });
});

describe("hardening (the security review's findings)", () => {
  const sessionFor = async (p: TestProgram, role: AdminRole, emails: Record<AdminRole, string>) => {
    const s = await signIn(emails[role]);
    return (method: string, path: string, body?: unknown) =>
      call(method, path, { cookie: s.cookie, body, headers: { "x-vouch-program": p.id, "x-csrf-token": s.csrf } });
  };

  it("only an owner turns on test mode, changes allowed origins or the signature-timestamp rule", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const admin = await sessionFor(p, "admin", emails);
    for (const body of [
      { test_mode: true },
      { allowed_origins: ["https://evil.example"] },
      { require_signature_timestamp: false },
    ]) {
      const refused = await admin("PATCH", "/v1/program", body);
      expect(refused.res.status).toBe(403);
      expect(refused.json.error).toMatchObject({
        code: "forbidden_role",
        details: { required: "owner", fields: Object.keys(body) },
      });
    }
    const row = await env.DB.prepare("SELECT test_mode, allowed_origins FROM programs WHERE id = ?")
      .bind(p.id)
      .first<Json>();
    expect(row?.test_mode).toBe(0);
    expect(row?.allowed_origins).not.toContain("evil");
    // An admin still runs the rest of the program; an owner may change these too.
    expect((await admin("PATCH", "/v1/program", { brand_color: "#0f766e" })).res.status).toBe(200);
    const owner = await sessionFor(p, "owner", emails);
    expect((await owner("PATCH", "/v1/program", { require_signature_timestamp: true })).res.status).toBe(200);
  });

  it("every change made through a session says which admin made it; a refused one is not recorded", async () => {
    const p = await makeProgram({ test_mode: true } as never);
    const { emails } = await workspace(p);
    const conversion = await server(p, "POST", "/v1/conversions", {
      code: (await server(p, "POST", "/v1/members", { id: "m1", email: "dana@northwind.test" })).json.member.code,
      email: "pat@globex.test",
      status: "qualified",
    });
    const referral = conversion.json.referral.id as string;
    const s = await signIn(emails.admin);
    const as = (method: string, path: string, body?: unknown) =>
      call(method, path, { cookie: s.cookie, body, headers: { "x-vouch-program": p.id, "x-csrf-token": s.csrf } });
    expect(
      (await as("PATCH", `/v1/referrals/${referral}`, { status: "converted", reason: "Signed the order form" })).res
        .status,
    ).toBe(200);
    expect((await as("PATCH", "/v1/program", { test_mode: false })).res.status).toBe(403);
    const admin = (await as("GET", "/v1/admin/session")).json.admin.id as string;
    const { audit } = (await server(p, "GET", `/v1/referrals/${referral}`)).json;
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "admin.request",
        actor: `admin:${admin}`,
        reason: `PATCH /v1/referrals/${referral}`,
      }),
    );
    const { results } = await env.DB.prepare(
      "SELECT reason FROM audit_log WHERE program_id = ? AND action = 'admin.request'",
    )
      .bind(p.id)
      .all<{ reason: string }>();
    expect(results.map((r) => r.reason)).toEqual([`PATCH /v1/referrals/${referral}`]);
  });

  it("webhook endpoints and their signing secrets are an owner's", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const admin = await sessionFor(p, "admin", emails);
    expect((await admin("GET", "/v1/webhook-endpoints/whe_x/secret")).json.error.code).toBe("forbidden_role");
    expect(
      (await admin("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/x", events: ["*"] })).json.error.code,
    ).toBe("forbidden_role");
    expect((await admin("GET", "/v1/webhook-endpoints")).res.status).toBe(200);
  });

  it("a lock that has run out starts the count again, and parallel guesses get five tries, not one each", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const t0 = Date.now();
    const attempt = (password: string, now: number) =>
      signInDirect(env.DB, emails.admin, password, "", now).then(
        () => "ok",
        (err: { code: string }) => err.code,
      );
    for (let i = 0; i < MAX_FAILED_LOGINS; i++)
      expect(await attempt("wrong password!", t0)).toBe("invalid_credentials");
    expect(await attempt(PASSWORD, t0 + 1000)).toBe("account_locked");
    const later = t0 + LOCKOUT_MS + 1000;
    expect(await attempt("wrong password!", later)).toBe("invalid_credentials");
    expect(await attempt(PASSWORD, later + 1000)).toBe("ok");

    const burst = await Promise.all(Array.from({ length: 12 }, () => attempt("wrong password!", later + 2000)));
    expect(burst.filter((r) => r === "invalid_credentials")).toHaveLength(MAX_FAILED_LOGINS);
    expect(burst.filter((r) => r === "account_locked")).toHaveLength(12 - MAX_FAILED_LOGINS);
  });

  it("an unknown address answers exactly as an admin's: five wrong tries, then locked, then counted afresh", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const t0 = Date.now();
    const attempts = async (email: string) => {
      const answers: string[] = [];
      const at = (now: number) =>
        signInDirect(env.DB, email, "wrong password!", "", now).then(
          () => "ok",
          (err: { code: string; details?: { locked_until?: string } }) =>
            err.details?.locked_until ? `${err.code} until +${Date.parse(err.details.locked_until) - t0}` : err.code,
        );
      for (let i = 0; i <= MAX_FAILED_LOGINS; i++) answers.push(await at(t0 + i));
      answers.push(await at(t0 + LOCKOUT_MS + 10)); // the lock ran out: counted afresh
      return answers;
    };
    const known = await attempts(emails.admin);
    expect(known.at(-2)).toBe(`account_locked until +${MAX_FAILED_LOGINS - 1 + LOCKOUT_MS}`);
    // Someone probing for admins' addresses cannot tell a made-up one from a real one by its answers.
    expect(await attempts(`nobody-${crypto.randomUUID()}@ledgerly.test`)).toEqual(known);
  });

  it("refuses a sign-in that a cross-site form could send", async () => {
    const p = await makeProgram();
    const { emails } = await workspace(p);
    const form = await SELF.fetch(`${API}/v1/admin/session`, {
      method: "POST",
      headers: { "content-type": "text/plain", "cf-connecting-ip": "192.0.2.9" },
      body: JSON.stringify({ email: emails.owner, password: PASSWORD }),
    });
    expect(((await form.json()) as Json).error.code).toBe("csrf_failed");
    const crossSite = await call("POST", "/v1/admin/session", {
      body: { email: emails.owner, password: PASSWORD },
      headers: { "sec-fetch-site": "cross-site", "cf-connecting-ip": "192.0.2.9" },
    });
    expect(crossSite.json.error.code).toBe("csrf_failed");
  });

  it("counts unknown session cookies per address, as it does wrong keys", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      const { res } = await call("GET", "/v1/program", {
        cookie: `__Host-vouch_session=${"x".repeat(30)}${i}`,
        headers: { "x-vouch-program": "prg_x", "cf-connecting-ip": "192.0.2.77" },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
  });

  it("a preview too large to run cheaply is refused", async () => {
    const p = await makeProgram();
    const renewal = (id: string) => ({
      id,
      trigger: "renewed",
      recipient: "member",
      kind: "cash",
      amount: { type: "percent", percent: 1 },
    });
    const res = await SELF.fetch(`${API}/v1/reward-rules/preview`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.sk}`, "content-type": "application/json" },
      body: JSON.stringify({
        rules: { rules: Array.from({ length: 50 }, (_, i) => renewal(`r${i}`)) },
        scenario: { friends: 50, value_cents: 100, currency: "USD", renewals: 36 },
      }),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("at most 5000");
  });
});
