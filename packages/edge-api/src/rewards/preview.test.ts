import { describe, expect, it } from "vitest";
import { makeProgram, server } from "../../test/fixtures";

const RULES = {
  rules: [
    {
      id: "friend",
      trigger: "converted",
      recipient: "friend",
      kind: "account_credit",
      amount: { type: "flat", value: 10_000 },
      currency: "USD",
    },
    {
      id: "member",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 10_000 },
      currency: "USD",
      hold_days: 14,
    },
    {
      id: "renewals",
      trigger: "renewed",
      recipient: "member",
      kind: "cash",
      amount: { type: "percent", percent: 10 },
      max_occurrences: 1,
    },
    {
      id: "third",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 25_000 },
      currency: "USD",
      milestone: { at: 3 },
    },
  ],
};

describe("POST /v1/reward-rules/preview", () => {
  it("says what each person earns: 3 friends on Growth who renew twice", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "POST", "/v1/reward-rules/preview", {
      rules: RULES,
      scenario: { friends: 3, plan: "growth", value_cents: 4_900, currency: "USD", renewals: 2 },
    });
    expect(res.status).toBe(200);
    const member = json.people.find((x: { who: string }) => x.who === "member");
    // 3 × $100, the third-customer bonus, and one renewal each (max_occurrences 1) at 10 % of $49.
    expect(member.totals).toEqual({ USD: 3 * 10_000 + 25_000 + 3 * 490 });
    expect(member.rewards.map((w: { rule_id: string }) => w.rule_id).sort()).toEqual(
      ["member", "member", "member", "renewals", "renewals", "renewals", "third"].sort(),
    );
    expect(member.rewards.every((w: { state: string }) => w.state === "approved")).toBe(true);
    expect(json.people.map((x: { who: string }) => x.who)).toEqual(["member", "friend-1", "friend-2", "friend-3"]);
    expect(json.people[1].totals).toEqual({ USD: 10_000 });
    expect(json.offer_text).toContain("$100");
    // Nothing was saved.
    expect((await server(p, "GET", "/v1/reward-rules")).json.rules.version).toBe(0);
  });

  it("a refunded friend's rewards are voided and the milestone is not reached", async () => {
    const p = await makeProgram();
    const { json } = await server(p, "POST", "/v1/reward-rules/preview", {
      rules: RULES,
      scenario: { friends: 3, value_cents: 4_900, currency: "USD", renewals: 0, refunds: 1 },
    });
    const member = json.people.find((x: { who: string }) => x.who === "member");
    expect(member.totals).toEqual({ USD: 2 * 10_000 });
    expect(member.rewards.filter((w: { state: string }) => w.state === "voided").length).toBeGreaterThan(0);
  });

  it("answers each problem in the rules with its path, as the editor shows them", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "POST", "/v1/reward-rules/preview", {
      rules: {
        rules: [
          { id: "x", trigger: "converted", recipient: "member", kind: "cash", amount: { type: "flat", value: 100 } },
        ],
      },
      scenario: { friends: 1, value_cents: 100, currency: "USD" },
    });
    expect(res.status).toBe(422);
    expect(json.error.code).toBe("validation_failed");
    expect(json.error.details).toContainEqual(expect.objectContaining({ path: "rules.rules.0.currency" }));
  });
});
