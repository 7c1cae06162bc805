import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, ORIGIN, server } from "../../test/fixtures";

describe("/v1/program", () => {
  it("shows the program without its identity secret", async () => {
    const p = await makeProgram();
    const { json } = await server(p, "GET", "/v1/program");
    expect(json.program).toMatchObject({ id: p.id, allowed_origins: [ORIGIN, "https://*.acme.test"] });
    expect(JSON.stringify(json)).not.toContain("token_secret");
    expect(JSON.stringify(json)).not.toContain(p.identitySecret);
  });

  it("changes settings that take effect for the browser at once", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    await browser(p, "/v1/track/visit", { code: me.member.code }); // warms the key cache
    const patched = await server(p, "PATCH", "/v1/program", {
      // The landing page (www.acme.test) must stay on an allowed origin.
      allowed_origins: ["https://new.acme.test", "https://www.acme.test"],
      attribution: { window_days: 30 },
      message_template: "Try {program}: {link}",
    });
    expect(patched.res.status).toBe(200);
    expect(patched.json.program.attribution).toMatchObject({ model: "first", window_days: 30 });
    // Fields the PATCH did not name keep their values.
    expect(patched.json.program).toMatchObject({ offer_text: "Give $100, get $100.", block_same_domain: true });
    const refused = await browser(p, "/v1/track/visit", { code: me.member.code });
    expect(refused.json.error.code).toBe("origin_not_allowed");
    const ok = await browser(p, "/v1/track/visit", { code: me.member.code }, { origin: "https://new.acme.test" });
    expect(ok.json.attribution.window_days).toBe(30);
  });

  it("validates settings", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "PATCH", "/v1/program", {
      allowed_origins: ["javascript:alert(1)"],
      brand_color: "red",
    });
    expect(res.status).toBe(422);
    expect(json.error.details.map((d: any) => d.path)).toEqual(
      expect.arrayContaining(["allowed_origins.0", "brand_color"]),
    );
    const empty = await server(p, "PATCH", "/v1/program", {});
    expect(empty.res.status).toBe(422);
    const emptyNested = await server(p, "PATCH", "/v1/program", { attribution: {} });
    expect(emptyNested.res.status).toBe(422);
    expect(emptyNested.json.error.code).toBe("validation_failed");
  });

  it("stores origins as browsers send them and never an empty message", async () => {
    const p = await makeProgram();
    const { json } = await server(p, "PATCH", "/v1/program", {
      allowed_origins: [
        "https://App.Acme.test:443",
        "https://*.Acme.test",
        "http://localhost:4000/",
        "https://x.acme.test/",
      ],
      message_template: "",
    });
    expect(json.program.allowed_origins).toEqual([
      "https://app.acme.test",
      "https://*.acme.test",
      "http://localhost:4000",
      "https://x.acme.test",
    ]);
    expect(json.program.message_template).toContain("{link}");
  });
});

describe("rate limiting", () => {
  it("answers 429 with Retry-After once a key and address pass the limit", async () => {
    const p = await makeProgram();
    const headers = {
      origin: ORIGIN,
      "x-vouch-key": p.pk,
      "cf-connecting-ip": "203.0.113.9",
      "content-type": "application/json",
    };
    let limited: Response | undefined;
    // The limit is 600 a minute per key and address (sliding window).
    for (let i = 0; i < 700 && !limited; i++) {
      const res = await SELF.fetch(`${API}/v1/track/visit`, { method: "POST", headers, body: '{"code":"NOPE"}' });
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    const retryAfter = Number(limited?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await limited?.json()) as any)?.error.code).toBe("rate_limited");
    // Another address with the same key is not affected.
    const other = await SELF.fetch(`${API}/v1/track/visit`, {
      method: "POST",
      headers: { ...headers, "cf-connecting-ip": "203.0.113.10" },
      body: '{"code":"NOPE"}',
    });
    expect(other.status).toBe(404);
  });
});
