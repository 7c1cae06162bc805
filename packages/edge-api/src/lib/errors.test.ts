import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, makeProgram, server } from "../../test/fixtures";

describe("error contract", () => {
  it("malformed JSON is invalid_json (400), not a 500", async () => {
    const p = await makeProgram();
    const { res, json } = await browser(p, "/v1/track/visit", "{not json");
    expect(res.status).toBe(400);
    expect(json).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
  });

  it("an oversized body is payload_too_large (413)", async () => {
    const p = await makeProgram();
    const { res, json } = await browser(p, "/v1/track/visit", { code: "A", referrer: "x".repeat(20_000) });
    expect(res.status).toBe(413);
    expect(json.error.code).toBe("payload_too_large");
    expect(json.error.details).toEqual({ max_bytes: 16384 });
  });

  it("validation errors name each field", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "POST", "/v1/conversions", { email: "not-an-email", value_cents: -5 });
    expect(res.status).toBe(422);
    expect(json.error.code).toBe("validation_failed");
    const paths = json.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain("email");
    expect(paths).toContain("value_cents");
  });

  it("an unsupported media type is refused", async () => {
    const p = await makeProgram();
    const res = await SELF.fetch(`${API}/v1/conversions`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.sk}`, "content-type": "application/x-www-form-urlencoded" },
      body: "email=a@b.c",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).error.code).toBe("unsupported_media_type");
  });

  it("the OpenAPI document lists every route with its schemas", async () => {
    const res = await SELF.fetch(`${API}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/track/visit",
        "/v1/track/lead",
        "/v1/members/me",
        "/v1/conversions",
        "/v1/analytics/summary",
      ]),
    );
    const visit = doc.paths["/v1/track/visit"].post.requestBody.content["application/json"].schema;
    expect(visit.required).toContain("code");
    expect(doc.paths["/v1/conversions"].post.parameters.some((p: any) => p.name === "Idempotency-Key")).toBe(true);
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain("self_referral");
  });
});
