import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, server, sign } from "../../test/fixtures";
import { base64UrlEncode, hmacSha256 } from "../lib/crypto";
import { CODE_ALPHABET } from "../lib/ids";
import { jwtSecretFor } from "./jwt-secret";

async function jwt(identitySecret: string, claims: Record<string, unknown>, alg = "HS256"): Promise<string> {
  const secret = await jwtSecretFor(identitySecret);
  const encode = (v: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(v)));
  const head = encode({ alg, typ: "JWT" });
  const body = encode(claims);
  return `${head}.${body}.${base64UrlEncode(await hmacSha256(secret, `${head}.${body}`))}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe("POST /v1/members/me", () => {
  it("enrols a member from a signed identity and returns link, code, message and counts", async () => {
    const p = await makeProgram();
    const me = await enrol(p, {
      id: "user_1",
      email: "Dana@Northwind.test",
      name: "Dana Whitfield",
      company: "Northwind",
    });
    expect(me.member.code).toMatch(new RegExp(`^DANA[${CODE_ALPHABET}]{4}$`));
    expect(me.member.email).toBe("dana@northwind.test");
    expect(me.member.link).toBe(`https://www.acme.test/?via=${me.member.code}`);
    expect(me.member.short_link).toBe(`https://api.vouch.test/r/${p.slug}/${me.member.code}`);
    expect(me.message).toContain(me.member.link);
    expect(me.message).toContain("Give $100, get $100.");
    expect(me.stats).toEqual({ visits: 0, shares: 0, leads: 0, qualified: 0, converted: 0 });
    expect(me.member_token).toMatch(/^mt_mem_/);
    expect(me.program).toMatchObject({ offer_text: "Give $100, get $100.", test_mode: false });
  });

  it("returns the same member and code on the next call, saving new profile fields", async () => {
    const p = await makeProgram();
    const first = await enrol(p, { id: "user_2", name: "Sam" });
    const second = await enrol(p, { id: "user_2", company: "Initech" });
    expect(second.member.id).toBe(first.member.id);
    expect(second.member.code).toBe(first.member.code);
    expect(second.member.name).toBe("Sam");
    expect(second.member.company).toBe("Initech");
  });

  it("refuses a forged signature", async () => {
    const p = await makeProgram();
    const signature = await sign("not-the-secret", "user_3");
    const { res, json } = await browser(p, "/v1/members/me", { member: { id: "user_3" }, signature });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_signature");
  });

  it("refuses a signature of another member id", async () => {
    const p = await makeProgram();
    const signature = await sign(p.identitySecret, "user_4");
    const { json } = await browser(p, "/v1/members/me", { member: { id: "user_5" }, signature });
    expect(json.error.code).toBe("invalid_signature");
  });

  it("refuses unsigned identities unless the program is in test mode", async () => {
    const live = await makeProgram();
    const refused = await browser(live, "/v1/members/me", { member: { id: "u" } });
    expect(refused.res.status).toBe(401);
    expect(refused.json.error.code).toBe("signature_required");
    const test = await makeProgram({ test_mode: true });
    const ok = await browser(test, "/v1/members/me", { member: { id: "u" } });
    expect(ok.res.status).toBe(200);
    expect(ok.json.program.test_mode).toBe(true);
  });

  it("accepts an HS256 JWT whose claims become the profile", async () => {
    const p = await makeProgram();
    const token = await jwt(p.identitySecret, { sub: "user_6", email: "lee@corp.test", name: "Lee", exp: now() + 600 });
    const { res, json } = await browser(p, "/v1/members/me", { token });
    expect(res.status).toBe(200);
    expect(json.member).toMatchObject({ external_id: "user_6", email: "lee@corp.test", name: "Lee" });
  });

  it("refuses expired, alg=none, over-long and tampered JWTs", async () => {
    const p = await makeProgram();
    const cases = [
      await jwt(p.identitySecret, { sub: "u", exp: now() - 3600 }),
      await jwt(p.identitySecret, { sub: "u", exp: now() + 600 }, "none"),
      await jwt(p.identitySecret, { sub: "u", exp: now() + 7 * 86400 }),
      await jwt(p.identitySecret, { sub: "u" }),
      `${(await jwt(p.identitySecret, { sub: "u", exp: now() + 600 })).slice(0, -3)}abc`,
      "a.b",
    ];
    for (const token of cases) {
      const { res, json } = await browser(p, "/v1/members/me", { token });
      expect(res.status, token).toBe(401);
      expect(json.error.code).toBe("invalid_signature");
    }
  });

  it("does not accept a host-signed id shaped like a JWT as a JWT for someone else", async () => {
    const p = await makeProgram();
    const encode = (v: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(v)));
    // An attacker picks this as their user id; the host's server dutifully signs it.
    const chosenId = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub: "victim", exp: now() + 600 })}`;
    const hostSignature = await hmacSha256(p.identitySecret, chosenId);
    const forged = `${chosenId}.${base64UrlEncode(hostSignature)}`;
    const { res, json } = await browser(p, "/v1/members/me", { token: forged });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_signature");
  });

  it("lets an id signature fill the profile but not overwrite it; a JWT may", async () => {
    const p = await makeProgram();
    await enrol(p, { id: "u9", email: "dana@northwind.test", name: "Dana" });
    const hijack = await enrol(p, { id: "u9", email: "attacker@evil.test", company: "Evil" });
    expect(hijack.member).toMatchObject({ email: "dana@northwind.test", name: "Dana", company: "Evil" });
    const token = await jwt(p.identitySecret, { sub: "u9", email: "dana@new-job.test", exp: now() + 600 });
    const { json } = await browser(p, "/v1/members/me", { token });
    expect(json.member.email).toBe("dana@new-job.test");
  });

  it("keeps HTML in names as data", async () => {
    const p = await makeProgram();
    const name = "<img src=x onerror=alert(1)>";
    const me = await enrol(p, { id: "user_x", name });
    expect(me.member.name).toBe(name);
    expect(me.member.code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$|^IMG`));
  });

  it("validates the body", async () => {
    const p = await makeProgram();
    const { res, json } = await browser(p, "/v1/members/me", { signature: "zz" });
    expect(res.status).toBe(422);
    expect(json.error.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(["signature", "member"]));
  });
});

describe("members (secret key)", () => {
  it("enrols from the server with a custom code and refuses a taken one", async () => {
    const p = await makeProgram();
    const created = await server(p, "POST", "/v1/members", { id: "u1", name: "Ann", code: "ann-vip" });
    expect(created.res.status).toBe(201);
    expect(created.json.member.code).toBe("ANN-VIP");
    const taken = await server(p, "POST", "/v1/members", { id: "u2", code: "ANN-VIP" });
    expect(taken.res.status).toBe(409);
    expect(taken.json.error.code).toBe("code_taken");
    const invalid = await server(p, "POST", "/v1/members", { id: "u3", code: "a b" });
    expect(invalid.res.status).toBe(422);
    const again = await server(p, "POST", "/v1/members", { id: "u1" });
    expect(again.res.status).toBe(200);
    expect(again.json.member.code).toBe("ANN-VIP");
  });

  it("changes a code, lists with a cursor, and 404s other programs' members", async () => {
    const p = await makeProgram();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await server(p, "POST", "/v1/members", { id: `m${i}` })).json.member.id);
    const patched = await server(p, "PATCH", `/v1/members/${ids[0]}`, { code: "newcode1" });
    expect(patched.json.member.code).toBe("NEWCODE1");
    const page1 = await server(p, "GET", "/v1/members?limit=3");
    expect(page1.json.data).toHaveLength(3);
    const page2 = await server(p, "GET", `/v1/members?limit=3&cursor=${page1.json.next_cursor}`);
    expect(page2.json.data).toHaveLength(2);
    expect(page2.json.next_cursor).toBeNull();
    const all = [...page1.json.data, ...page2.json.data].map((m: any) => m.id).sort();
    expect(all).toEqual([...ids].sort());
    const other = await makeProgram();
    const miss = await server(other, "GET", `/v1/members/${ids[0]}`);
    expect(miss.res.status).toBe(404);
    expect(miss.json.error.code).toBe("member_not_found");
    const bad = await server(p, "GET", "/v1/members?cursor=%%%");
    expect(bad.res.status).toBe(400);
  });
});
