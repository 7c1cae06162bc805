import { describe, expect, it } from "vitest";
import {
  assessConversion,
  assessLead,
  assessServerReferral,
  isDisposable,
  isRoleAddress,
  type LeadEvidence,
  selfReferralReason,
  verdict,
} from "./engine";
import { fraudRulesSchema } from "./schema";

const defaults = fraudRulesSchema.parse({});
const clean: LeadEvidence = {
  friendEmail: "pat@globex.test",
  memberEmailKeys: ["dana@northwind.test"],
  blockSameDomain: true,
  friendVisitorHashes: ["friend-hash"],
  memberVisitorHashes: ["member-hash"],
  memberLeadsLastHour: 0,
  memberLeadsLastDay: 0,
  visitorLeadsLastDay: 0,
};
const rules = (over: Record<string, unknown>) => fraudRulesSchema.parse(over);
const fired = (signals: { rule: string; action: string }[]) => signals.map((s) => `${s.rule}:${s.action}`);

describe("the fraud engine's defaults", () => {
  it("allow an ordinary lead", () => {
    expect(assessLead(defaults, clean)).toEqual([]);
    expect(verdict([])).toBe("allow");
  });

  it("are documented values a vendor can run without tuning", () => {
    expect(defaults).toMatchObject({
      self_referral: { action: "block" },
      disposable_email: { action: "flag" },
      role_email: { action: "allow" },
      same_visitor: { action: "flag" },
      member_velocity: { action: "flag", max_per_hour: 10 },
      daily_lead_cap: { action: "block", max_per_day: 50 },
      visitor_velocity: { action: "flag", max_per_day: 3 },
      conversion_bounds: { action: "flag" },
      attribution_conflict: { action: "flag" },
    });
  });
});

describe("self-referral", () => {
  it("matches every alias of every address the member used", () => {
    const keys = ["danaw@gmail.com", "dana@northwind.test"];
    expect(selfReferralReason("Dana.W+promo@googlemail.com", keys, true)).toBe("same_email");
    expect(selfReferralReason("DANA+x@Northwind.test", keys, true)).toBe("same_email");
    expect(selfReferralReason("sam@northwind.test", keys, true)).toBe("same_domain");
    expect(selfReferralReason("sam@northwind.test", keys, false)).toBeNull();
    // Two people on gmail.com are not one company.
    expect(selfReferralReason("pat@gmail.com", keys, true)).toBeNull();
  });

  it("blocks by default, and a program may only flag it", () => {
    const same = { ...clean, friendEmail: "dana@northwind.test" };
    expect(fired(assessLead(defaults, same))).toEqual(["self_referral:block"]);
    expect(verdict(assessLead(defaults, same))).toBe("block");
    const lenient = assessLead(rules({ self_referral: { action: "flag" } }), same);
    expect(verdict(lenient)).toBe("flag");
    expect(lenient[0]?.evidence).toMatchObject({ reason: "same_email", friend_email: "dana@northwind.test" });
  });
});

describe("who the friend is", () => {
  it("knows throwaway-mail providers from mailchecker's list, sub-domains included", () => {
    expect(isDisposable("x@mailinator.com")).toBe(true);
    expect(isDisposable("x@sub.mailinator.com")).toBe(true);
    expect(isDisposable("pat@globex.com")).toBe(false);
    expect(fired(assessLead(defaults, { ...clean, friendEmail: "x@mailinator.com" }))).toEqual([
      "disposable_email:flag",
    ]);
  });

  it("knows role addresses, allowed by default", () => {
    expect(isRoleAddress("info@globex.test")).toBe(true);
    expect(isRoleAddress("Sales+eu@globex.test")).toBe(true);
    expect(isRoleAddress("pat@globex.test")).toBe(false);
    const role = { ...clean, friendEmail: "info@globex.test" };
    expect(assessLead(defaults, role)).toEqual([]);
    expect(fired(assessLead(rules({ role_email: { action: "block" } }), role))).toEqual(["role_email:block"]);
  });

  it("judges a referral the vendor's server creates on who the friend is only", () => {
    const signals = assessServerReferral(defaults, {
      friendEmail: "x@mailinator.com",
      memberEmailKeys: [],
      blockSameDomain: true,
    });
    expect(fired(signals)).toEqual(["disposable_email:flag"]);
  });
});

describe("whose browser, and how fast", () => {
  it("flags a friend on the member's own browser and network the same day", () => {
    const same = { ...clean, friendVisitorHashes: ["member-hash"] };
    expect(fired(assessLead(defaults, same))).toEqual(["same_visitor:flag"]);
  });

  it("flags a member's eleventh lead in an hour and blocks the fifty-first in a day", () => {
    expect(assessLead(defaults, { ...clean, memberLeadsLastHour: 9, memberLeadsLastDay: 9 })).toEqual([]);
    expect(fired(assessLead(defaults, { ...clean, memberLeadsLastHour: 10, memberLeadsLastDay: 10 }))).toEqual([
      "member_velocity:flag",
    ]);
    const capped = assessLead(defaults, { ...clean, memberLeadsLastHour: 0, memberLeadsLastDay: 50 });
    expect(fired(capped)).toEqual(["daily_lead_cap:block"]);
    expect(capped[0]?.evidence).toEqual({ leads_last_day: 51, max_per_day: 50 });
  });

  it("flags a fourth lead from one browser in a day, whoever the member", () => {
    expect(fired(assessLead(defaults, { ...clean, visitorLeadsLastDay: 3 }))).toEqual(["visitor_velocity:flag"]);
    // No browser evidence (a server-side path), no per-visitor rule.
    expect(assessLead(defaults, { ...clean, friendVisitorHashes: [], visitorLeadsLastDay: 99 })).toEqual([]);
  });
});

describe("conversions", () => {
  const bounded = rules({
    conversion_bounds: {
      currency: "usd",
      min_value_cents: 1000,
      max_value_cents: 500_000,
      plans: ["starter", "growth"],
    },
  });

  it("have no bounds until the program sets them", () => {
    expect(assessConversion(defaults, { value_cents: 1, currency: "USD", plan: "anything" })).toEqual([]);
  });

  it("are flagged outside the program's value, currency or plans", () => {
    expect(assessConversion(bounded, { value_cents: 49_900, currency: "USD", plan: "growth" })).toEqual([]);
    for (const [deal, problem] of [
      [{ value_cents: 999, currency: "USD" }, "below"],
      [{ value_cents: 500_001, currency: "USD" }, "above"],
      [{ value_cents: 49_900, currency: "EUR" }, "currency"],
      [{ plan: "enterprise-free" }, "plan"],
    ] as const) {
      const [s] = assessConversion(bounded, deal);
      expect(s?.rule, problem).toBe("conversion_bounds");
      expect(s?.message).toContain(problem);
    }
  });
});

describe("verdict", () => {
  it("block beats flag beats allow", () => {
    const flag = { rule: "same_visitor" as const, action: "flag" as const, message: "", evidence: {} };
    const block = { ...flag, rule: "daily_lead_cap" as const, action: "block" as const };
    expect(verdict([flag])).toBe("flag");
    expect(verdict([flag, block])).toBe("block");
  });
});
