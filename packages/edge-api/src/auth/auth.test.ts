import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, ORIGIN, referralOf, server } from "../../test/fixtures";

describe("publishable keys and CORS", () => {
  it("answers a preflight from any origin without touching the key", async () => {
    const res = await SELF.fetch(`${API}/v1/track/visit`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.test", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://evil.test");
    expect(res.headers.get("access-control-allow-headers")).toContain("X-Vouch-Key");
    expect(res.headers.get("access-control-max-age")).toBe("86400");
  });

  it("refuses a real request from an origin that is not allowed, readably", async () => {
    const p = await makeProgram();
    const { res, json } = await browser(p, "/v1/track/visit", { code: "NOPE" }, { origin: "https://evil.test" });
    expect(res.status).toBe(403);
    expect(json.error.code).toBe("origin_not_allowed");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://evil.test");
  });

  it("accepts wildcard sub-domains but not the bare domain", async () => {
    const p = await makeProgram();
    const ok = await browser(p, "/v1/track/visit", { code: "NOPE" }, { origin: "https://www.acme.test" });
    expect(ok.json.error.code).toBe("unknown_code"); // got past the origin check
    const bare = await browser(p, "/v1/track/visit", { code: "NOPE" }, { origin: "https://acme.test" });
    expect(bare.json.error.code).toBe("origin_not_allowed");
  });

  it("refuses a request without an Origin header", async () => {
    const p = await makeProgram();
    const { res, json } = await browser(p, "/v1/track/visit", { code: "X" }, { origin: null });
    expect(res.status).toBe(403);
    expect(json.error.code).toBe("origin_not_allowed");
  });

  it("refuses unknown, malformed and missing keys", async () => {
    const p = await makeProgram();
    const unknown = await browser(p, "/v1/track/visit", { code: "X" }, { key: "vch_pk_live_doesnotexist" });
    expect(unknown.res.status).toBe(401);
    expect(unknown.json.error.code).toBe("invalid_key");
    const malformed = await browser(p, "/v1/track/visit", { code: "X" }, { key: "sk_live_123" });
    expect(malformed.json.error.code).toBe("invalid_key");
    const res = await SELF.fetch(`${API}/v1/track/visit`, { method: "POST", headers: { origin: ORIGIN }, body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
  });

  it("refuses a secret key on a browser route, and a publishable key on a server route", async () => {
    const p = await makeProgram();
    const secretInBrowser = await browser(p, "/v1/track/visit", { code: "X" }, { key: p.sk });
    expect(secretInBrowser.res.status).toBe(403);
    expect(secretInBrowser.json.error.code).toBe("key_type_not_allowed");
    const res = await SELF.fetch(`${API}/v1/program`, { headers: { authorization: `Bearer ${p.pk}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("key_type_not_allowed");
  });

  it("accepts the key as ?key= with a text/plain body (no preflight, sendBeacon)", async () => {
    const p = await makeProgram();
    const res = await SELF.fetch(`${API}/v1/track/visit?key=${p.pk}`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify({ code: "NOPE" }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("unknown_code");
  });

  it("refuses a server route from a browser, readably, and does nothing", async () => {
    const p = await makeProgram();
    // The page's preflight passes, so its real request arrives and the developer reads why it is refused.
    const preflight = await SELF.fetch(`${API}/v1/conversions`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const res = await SELF.fetch(`${API}/v1/program`, {
      headers: { authorization: `Bearer ${p.sk}`, origin: ORIGIN },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("key_type_not_allowed");
    expect(JSON.stringify(body)).not.toContain(p.id);
    const me = await enrol(p, { id: "u1" });
    const conv = await SELF.fetch(`${API}/v1/conversions`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.sk}`, origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ email: "pat@globex.test", code: me.member.code }),
    });
    expect(conv.status).toBe(403);
    expect(await referralOf(p, "pat@globex.test")).toBeUndefined();
    // The same call from a server (no Origin) works, and carries no CORS header.
    const fromServer = await server(p, "GET", "/v1/program");
    expect(fromServer.res.status).toBe(200);
    expect(fromServer.res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("secret keys", () => {
  it("are stored hashed, shown once, and rotatable", async () => {
    const p = await makeProgram();
    const created = await server(p, "POST", "/v1/api-keys", { type: "secret" });
    expect(created.res.status).toBe(201);
    const fresh: string = created.json.key.secret;
    expect(fresh).toMatch(/^vch_sk_live_/);
    const list = await server(p, "GET", "/v1/api-keys");
    expect(JSON.stringify(list.json)).not.toContain(fresh);
    expect(list.json.data).toHaveLength(3);

    // Revoke the original secret key using the new one; the old one stops working at once.
    const original = list.json.data.find((k: any) => k.type === "secret" && k.id !== created.json.key.id);
    const revoke = await SELF.fetch(`${API}/v1/api-keys/${original.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(revoke.status).toBe(200);
    const old = await server(p, "GET", "/v1/program");
    expect(old.res.status).toBe(401);
    expect(old.json.error.code).toBe("invalid_key");
    const withNew = await SELF.fetch(`${API}/v1/program`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(withNew.status).toBe(200);
  });

  it("tells keys apart by prefix and refuses to revoke the last secret key", async () => {
    const p = await makeProgram();
    const list = await server(p, "GET", "/v1/api-keys");
    // Both keys of a new program share a created_at, so the list's order between them is by id.
    const publishable = list.json.data.find((k: any) => k.type === "publishable");
    expect(publishable.prefix).toMatch(/^vch_pk_live_.{4}…$/);
    const secret = list.json.data.find((k: any) => k.type === "secret");
    const refused = await server(p, "DELETE", `/v1/api-keys/${secret.id}`);
    expect(refused.res.status).toBe(409);
    expect(refused.json.error.code).toBe("conflict");
    expect((await server(p, "GET", "/v1/program")).res.status).toBe(200);
  });

  it("rate-limits an address that keeps guessing keys", async () => {
    const headers = { authorization: "", "cf-connecting-ip": "198.51.100.7" };
    const codes: string[] = [];
    for (let i = 0; i < 62; i++) {
      headers.authorization = `Bearer vch_sk_live_guess${i}`;
      const res = await SELF.fetch(`${API}/v1/program`, { headers });
      codes.push(((await res.json()) as any).error.code);
    }
    expect(codes.slice(0, 60).every((c) => c === "invalid_key")).toBe(true);
    expect(codes.at(-1)).toBe("rate_limited");
  });

  it("cannot see or revoke another program's keys", async () => {
    const a = await makeProgram();
    const b = await makeProgram();
    const bKeys = await server(b, "GET", "/v1/api-keys");
    const res = await server(a, "DELETE", `/v1/api-keys/${bKeys.json.data[0].id}`);
    expect(res.res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });

  it("rejects a missing or malformed Authorization header", async () => {
    const res = await SELF.fetch(`${API}/v1/program`, { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
  });
});
