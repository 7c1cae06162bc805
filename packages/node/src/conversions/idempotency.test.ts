import { describe, expect, test } from "vitest";
import { Vouch } from "../vouch";
import { automaticIdempotencyKey, canonicalJson } from "./idempotency";

describe("canonicalJson", () => {
  test("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe("the automatic Idempotency-Key", () => {
  const conversion = { email: "pat@globex.example", value_cents: 49_900, currency: "USD", plan: "growth" };
  const key = (body: object) => automaticIdempotencyKey("POST", "/v1/conversions", canonicalJson(body));

  test("is the same for the same call, whatever the field order, and differs for another call", async () => {
    const { plan, ...rest } = conversion;
    expect(await key({ plan, ...rest })).toBe(await key(conversion));
    expect(await key(conversion)).toMatch(/^vouch-auto-[0-9a-f]{64}$/);
    expect(await key({ ...conversion, value_cents: 50_000 })).not.toBe(await key(conversion));
    expect(await key({ ...conversion, status: "qualified" })).not.toBe(await key(conversion));
  });

  test("recordConversion sends the canonical body with its key, or the caller's key", async () => {
    const sent: { key: string | null; body: string }[] = [];
    const vouch = new Vouch({
      secretKey: "vch_sk_test_unit",
      apiUrl: "http://api.test",
      fetch: (async (_url: string, init: RequestInit) => {
        sent.push({
          key: new Headers(init.headers).get("idempotency-key"),
          body: new TextDecoder().decode(init.body as ArrayBuffer),
        });
        return Response.json({ referral: {}, events: [], changed: true });
      }) as typeof fetch,
    });
    await vouch.recordConversion({ currency: "USD", value_cents: 49_900, plan: "growth", email: "pat@globex.example" });
    await vouch.recordConversion(conversion, { idempotencyKey: "in_1001" });
    expect(sent).toEqual([
      { key: await key(conversion), body: canonicalJson(conversion) },
      { key: "in_1001", body: canonicalJson(conversion) },
    ]);
  });
});
