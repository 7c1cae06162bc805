import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { browser, makeProgram, server, sign, type TestProgram } from "../../test/fixtures";
import { signIdentityWithAttributes } from "../members/identity";
import { jwtSecretFor } from "../members/jwt-secret";
import { isEligible } from "./rules";
import type { EligibilityRules } from "./schema";

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** The README's examples. */
const PAYING_30_DAYS: EligibilityRules = {
  match: "all",
  conditions: [
    { attribute: "paying", op: "eq", value: true },
    { attribute: "customer_since", op: "days_since_gte", value: 30 },
  ],
};
const PROMOTERS: EligibilityRules = { match: "all", conditions: [{ attribute: "nps", op: "gte", value: 9 }] };

async function enrolWith(p: TestProgram, id: string, attributes: Record<string, unknown>) {
  const signature = await signIdentityWithAttributes(p.identitySecret, id, attributes as never);
  return browser(p, "/v1/members/me", { member: { id, name: id, attributes }, signature });
}

describe("eligibility rules", () => {
  it("are evaluated at enrolment on signed attributes; the answer says eligible, and the vendor counts them", async () => {
    const p = await makeProgram();
    const set = await server(p, "PATCH", "/v1/program", { eligibility: PAYING_30_DAYS });
    expect(set.res.status).toBe(200);
    expect(set.json.program.eligibility).toEqual(PAYING_30_DAYS);

    const loyal = await enrolWith(p, "loyal", { paying: true, customer_since: daysAgo(45), plan: "team" });
    expect(loyal.res.status).toBe(200);
    expect(loyal.json.eligible).toBe(true);
    const fresh = await enrolWith(p, "fresh", { paying: true, customer_since: daysAgo(3) });
    expect(fresh.json.eligible).toBe(false);
    const free = await enrolWith(p, "free", { paying: false, customer_since: daysAgo(400) });
    expect(free.json.eligible).toBe(false);

    const counts = await server(p, "GET", "/v1/analytics/eligibility");
    expect(counts.json).toEqual({ rules: PAYING_30_DAYS, eligible: 1, not_eligible: 2, unchecked: 0 });
    const member = await server(p, "GET", `/v1/members/${loyal.json.member.id}`);
    expect(member.json.member).toMatchObject({ eligible: true, attributes: { paying: true, plan: "team" } });
  });

  it("refuse attributes the signature does not cover: a browser cannot make itself eligible", async () => {
    const p = await makeProgram();
    await server(p, "PATCH", "/v1/program", { eligibility: PROMOTERS });
    const signature = await signIdentityWithAttributes(p.identitySecret, "detractor", { nps: 3 });
    const edited = await browser(p, "/v1/members/me", {
      member: { id: "detractor", attributes: { nps: 10 } },
      signature,
    });
    expect(edited.res.status).toBe(401);
    expect(edited.json.error.code).toBe("invalid_signature");
    expect(edited.json.error.message).toContain("attributes");
    const honest = await browser(p, "/v1/members/me", {
      member: { id: "detractor", attributes: { nps: 3 } },
      signature,
    });
    expect(honest.json.eligible).toBe(false);
  });

  it("take a JWT's attributes claim, and judge a member again on stored attributes when the rules change", async () => {
    const p = await makeProgram();
    const jwtSecret = new TextEncoder().encode(await jwtSecretFor(p.identitySecret));
    const token = await new SignJWT({ attributes: { nps: 9, beta: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("promoter")
      .setExpirationTime("1h")
      .sign(jwtSecret);
    // No rules: everyone is eligible.
    const before = await browser(p, "/v1/members/me", { token });
    expect(before.json.eligible).toBe(true);
    await server(p, "PATCH", "/v1/program", {
      eligibility: { match: "all", conditions: [{ attribute: "beta", op: "eq", value: false }] },
    });
    // Enrolled again without attributes: the stored ones are judged by the new rules.
    const plain = await browser(p, "/v1/members/me", {
      member: { id: "promoter" },
      signature: await sign(p.identitySecret, "promoter"),
    });
    expect(plain.json.eligible).toBe(false);
    const bad = await new SignJWT({ attributes: { nps: 11 } })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .setExpirationTime("1h")
      .sign(jwtSecret);
    const refused = await browser(p, "/v1/members/me", { token: bad });
    expect(refused.res.status).toBe(422);
    expect(refused.json.error.details[0]).toMatchObject({ path: "token.attributes.nps" });
  });

  it("are validated with clear errors", async () => {
    const p = await makeProgram();
    const cases: [unknown, string, RegExp][] = [
      [{ conditions: [{ attribute: "nps", op: "gte", value: 11 }] }, "eligibility.conditions.0", /0 to 10/],
      [{ conditions: [{ attribute: "paying", op: "gte", value: 1 }] }, "eligibility.conditions.0", /compares numbers/],
      [
        { conditions: [{ attribute: "customer_since", op: "gte", value: 30 }] },
        "eligibility.conditions.0",
        /days_since/,
      ],
      [
        { conditions: [{ attribute: "Plan", op: "eq", value: "x" }] },
        "eligibility.conditions.0.attribute",
        /lower case/,
      ],
      [{ conditions: [] }, "eligibility.conditions", /.+/],
    ];
    for (const [eligibility, path, message] of cases) {
      const { res, json } = await server(p, "PATCH", "/v1/program", { eligibility });
      expect(res.status).toBe(422);
      expect(json.error.code).toBe("validation_failed");
      expect(json.error.details).toContainEqual({ path, message: expect.stringMatching(message) });
    }
    const off = await server(p, "PATCH", "/v1/program", { eligibility: null });
    expect(off.json.program.eligibility).toBeNull();
  });
});

describe("isEligible", () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  it("NPS promoters are 9 and 10; a missing attribute is never a match", () => {
    expect([8, 9, 10].map((nps) => isEligible(PROMOTERS, { nps }, now))).toEqual([false, true, true]);
    expect(isEligible(PROMOTERS, {}, now)).toBe(false);
    expect(isEligible(PROMOTERS, null, now)).toBe(false);
    expect(isEligible(null, null, now)).toBe(true);
  });

  it("tenure counts whole days; any matches one condition", () => {
    const tenure: EligibilityRules = {
      match: "any",
      conditions: [
        { attribute: "customer_since", op: "days_since_gte", value: 30 },
        { attribute: "plan", op: "in", value: ["enterprise"] },
      ],
    };
    expect(isEligible(tenure, { customer_since: "2026-11-01" }, now)).toBe(true);
    expect(isEligible(tenure, { customer_since: "2026-11-02" }, now)).toBe(false);
    expect(isEligible(tenure, { customer_since: "2026-11-02", plan: "enterprise" }, now)).toBe(true);
    expect(isEligible(tenure, { customer_since: "not a date" }, now)).toBe(false);
  });
});
