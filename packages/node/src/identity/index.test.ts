import { describe, expect, test } from "vitest";
import {
  signIdentity as apiSignIdentity,
  signIdentityAt,
  signIdentityWithAttributes,
  verifyJwt,
} from "../../../edge-api/src/members/identity";
import { jwtSecretFor as apiJwtSecretFor } from "../../../edge-api/src/members/jwt-secret";
import type { Program } from "../../../edge-api/src/programs/service";
import { identityToken, jwtSecretFor, signIdentity } from ".";

// The API's own functions are the reference: the SDK must compute exactly what the API verifies.
const identitySecret = "vch_is_unit_test_identity_secret";
const program = { identitySecret, previousIdentitySecret: null, previousIdentitySecretUntil: null } as Program;
const dana = { id: "user_1001", email: "dana@northwind.example", name: "Dana Whitfield", company: "Northwind" };

describe("signIdentity", () => {
  test("hex HMAC-SHA256 of the id with the identity secret, as the API computes it", async () => {
    const signed = await signIdentity(dana, { identitySecret });
    expect(signed).toEqual({ member: dana, signature: await apiSignIdentity(identitySecret, dana.id) });
    expect(signed.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  test("with a timestamp: the derived key over `<timestamp>.<id>`, as the API's signIdentityAt", async () => {
    const signed = await signIdentity(dana, { identitySecret, timestamp: 1_790_000_000 });
    expect(signed.timestamp).toBe(1_790_000_000);
    expect(signed.signature).toBe(await signIdentityAt(identitySecret, dana.id, 1_790_000_000));
    expect(signed.signature).not.toBe(await apiSignIdentity(identitySecret, dana.id));
  });

  test("`timestamp: true` signs now, in unix seconds", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { timestamp, signature } = await signIdentity(dana, { identitySecret, timestamp: true });
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(before + 2);
    expect(signature).toBe(await signIdentityAt(identitySecret, dana.id, timestamp!));
  });

  test("with attributes: signed with the id (and timestamp), in any key order, as the API verifies them", async () => {
    const attributes = { paying: true, plan: "team", nps: 9 };
    const signed = await signIdentity({ ...dana, attributes }, { identitySecret });
    expect(signed.member.attributes).toEqual(attributes);
    expect(signed.signature).toBe(
      await signIdentityWithAttributes(identitySecret, dana.id, { nps: 9, plan: "team", paying: true }),
    );
    expect(signed.signature).not.toBe(
      await signIdentityWithAttributes(identitySecret, dana.id, { ...attributes, nps: 10 }),
    );
    const timed = await signIdentity({ ...dana, attributes }, { identitySecret, timestamp: 1_790_000_000 });
    expect(timed.signature).toBe(await signIdentityWithAttributes(identitySecret, dana.id, attributes, 1_790_000_000));
  });

  test("the member carries only the API's fields, and only those set", async () => {
    const user = { id: "u_2", email: "", name: "Pat", role: "CFO", company: undefined } as never;
    expect((await signIdentity(user, { identitySecret })).member).toEqual({ id: "u_2", name: "Pat" });
    await expect(signIdentity({ id: "" }, { identitySecret })).rejects.toThrow(TypeError);
  });
});

describe("identityToken", () => {
  test("the JWT secret is derived as the API derives it", async () => {
    expect(await jwtSecretFor(identitySecret)).toBe(await apiJwtSecretFor(identitySecret));
    expect(await jwtSecretFor(identitySecret)).toMatch(/^vch_js_[0-9a-f]{48}$/);
  });

  test("an HS256 JWT the API's verifier accepts, from the identity secret or the JWT secret", async () => {
    const jwtSecret = await jwtSecretFor(identitySecret);
    for (const options of [{ identitySecret }, { jwtSecret }]) {
      const token = await identityToken(dana, { ...options, expiresIn: 600 });
      expect(JSON.parse(atob(token.split(".")[0]!))).toEqual({ alg: "HS256", typ: "JWT" });
      expect(await verifyJwt(program, token)).toEqual({ ...dana, profileVerified: true });
    }
  });

  test("exp is at most 24 hours ahead; the API refuses an expired token", async () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    const token = await identityToken(dana, { identitySecret, expiresIn: 86_400, now });
    const claims = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims).toMatchObject({ sub: dana.id, email: dana.email, iat: now.getTime() / 1000 });
    expect(claims.exp - claims.iat).toBe(86_400);
    await expect(identityToken(dana, { identitySecret, expiresIn: 86_401 })).rejects.toThrow(RangeError);
    await expect(verifyJwt(program, token)).rejects.toMatchObject({ code: "invalid_signature" });
  });

  test("a token from another program's secret is refused", async () => {
    const token = await identityToken(dana, { identitySecret: "vch_is_another_program" });
    await expect(verifyJwt(program, token)).rejects.toMatchObject({ code: "invalid_signature" });
  });
});
