import { describe, expect, it } from "vitest";
import type { ReferralStatus } from "../referrals/status";
import {
  addMonths,
  DAY_MS,
  EMPTY_MEMBER_HISTORY,
  type ExistingReward,
  evaluateRewards,
  type HistoryEvent,
  type MemberHistory,
  nextMilestone,
  percentOf,
  reachedStages,
  stackingDiscount,
  summarizeMemberHistory,
} from "./engine";
import { formatMinor, toCsv } from "./ledger";
import { drawRaffle, monthOf, monthRange } from "./raffle";
import { type Ruleset, type RulesetInput, rewardRuleSchema, rulesetSchema } from "./schema";

const T = Date.UTC(2026, 2, 10, 12);

function ruleset(input: RulesetInput, version = 3): Ruleset {
  return { version, config: rulesetSchema.parse(input) };
}

type RuleInput = NonNullable<RulesetInput["rules"]>[number];

function rule(extra: Partial<RuleInput> = {}): RuleInput {
  return {
    id: "r",
    trigger: "converted",
    recipient: "member",
    kind: "cash",
    amount: { type: "flat", value: 5000 },
    currency: "USD",
    ...extra,
  };
}

type Ev = [ReferralStatus, Partial<HistoryEvent>?];

function history(events: Ev[], rewards: ExistingReward[] = []) {
  const evs: HistoryEvent[] = events.map(([to, extra], i) => ({
    id: `evt_${i + 1}`,
    seq: i + 1,
    to_status: to,
    value_cents: null,
    currency: null,
    plan: null,
    created_at: T + i * 1000,
    ...extra,
  }));
  let plan: string | null = null;
  let value: number | null = null;
  let currency: string | null = null;
  for (const e of evs) {
    plan = e.plan ?? plan;
    value = e.value_cents ?? value;
    currency = e.currency ?? currency;
  }
  const last = evs.at(-1);
  return {
    referral: {
      id: "ref_1",
      member_id: "mem_1",
      status: last?.to_status ?? "lead",
      plan,
      value_cents: value,
      currency,
    },
    events: evs,
    rewards,
  };
}

function evaluate(
  input: RulesetInput,
  events: Ev[],
  member: Partial<MemberHistory> = {},
  rewards: ExistingReward[] = [],
) {
  return evaluateRewards(ruleset(input), history(events, rewards), { ...EMPTY_MEMBER_HISTORY, ...member });
}

const amounts = (r: ReturnType<typeof evaluate>) => r.entries.map((e) => [e.rule_id, e.amount, e.currency]);

describe("reachedStages", () => {
  const ev = (to: ReferralStatus): HistoryEvent => ({
    id: to,
    seq: 1,
    to_status: to,
    value_cents: null,
    currency: null,
    plan: null,
    created_at: 0,
  });
  it("moves one stage at a time along the funnel", () => {
    expect(reachedStages([], ev("lead"))).toEqual(["lead"]);
    expect(reachedStages([ev("lead")], ev("qualified"))).toEqual(["qualified"]);
    expect(reachedStages([ev("lead"), ev("qualified")], ev("converted"))).toEqual(["converted"]);
  });
  it("passes qualification on the way when a lead converts directly", () => {
    expect(reachedStages([ev("lead")], ev("converted"))).toEqual(["qualified", "converted"]);
  });
  it("reaches renewed on every renewal and nothing on churn or refund", () => {
    expect(reachedStages([ev("lead"), ev("converted"), ev("renewed")], ev("renewed"))).toEqual(["renewed"]);
    expect(reachedStages([ev("lead"), ev("converted")], ev("lost"))).toEqual([]);
    expect(reachedStages([ev("lead"), ev("converted")], ev("refunded"))).toEqual([]);
  });
});

describe("money arithmetic", () => {
  it("takes a percent in basis points, rounding half up", () => {
    expect(percentOf(10000, 20)).toBe(2000);
    expect(percentOf(4999, 20)).toBe(1000); // 999.8
    expect(percentOf(1005, 10)).toBe(101); // 100.5 rounds up
    expect(percentOf(1004, 10)).toBe(100); // 100.4
    expect(percentOf(333, 33.33)).toBe(111); // 110.9889
    expect(percentOf(100_000_000_000, 99.99)).toBe(99_990_000_000);
  });
  it("adds calendar months, clamping to the month's last day", () => {
    expect(new Date(addMonths(Date.UTC(2026, 0, 31), 1)).toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(new Date(addMonths(Date.UTC(2026, 10, 15, 8), 3)).toISOString()).toBe("2027-02-15T08:00:00.000Z");
  });
  it("formats minor units for people and escapes CSV cells a spreadsheet would run", () => {
    expect(formatMinor(12345, "USD")).toBe("123.45");
    expect(formatMinor(5, "EUR")).toBe("0.05");
    expect(formatMinor(500, "JPY")).toBe("500");
    expect(toCsv([["a,b", 'say "hi"', null, 3, "=HYPERLINK()", "-1"]])).toBe(
      `"a,b","say ""hi""",,3,'=HYPERLINK(),'-1\r\n`,
    );
  });
});

describe("amounts", () => {
  it("pays a flat amount in the rule's currency", () => {
    expect(amounts(evaluate({ rules: [rule()] }, [["lead"], ["converted"]]))).toEqual([["r", 5000, "USD"]]);
  });
  it("pays a percent of this event's deal value in the deal's currency", () => {
    const r = rule({ amount: { type: "percent", percent: 12.5 }, currency: undefined });
    const result = evaluate({ rules: [r] }, [["lead"], ["converted", { value_cents: 79900, currency: "EUR" }]]);
    expect(amounts(result)).toEqual([["r", 9988, "EUR"]]);
  });
  it("pays nothing as a percent without a deal value, or in another currency than the rule's", () => {
    const r = rule({ amount: { type: "percent", percent: 10 } });
    expect(evaluate({ rules: [r] }, [["lead"], ["converted"]]).entries).toEqual([]);
    expect(evaluate({ rules: [r] }, [["lead"], ["converted", { value_cents: 1000, currency: "GBP" }]]).entries).toEqual(
      [],
    );
  });
  it("looks the plan up in a table, with a default for unlisted plans", () => {
    const table = rule({ amount: { type: "by_plan", plans: { pro: 7500 }, default: 1000 } });
    expect(amounts(evaluate({ rules: [table] }, [["lead"], ["converted", { plan: "pro" }]]))).toEqual([
      ["r", 7500, "USD"],
    ]);
    expect(amounts(evaluate({ rules: [table] }, [["lead"], ["converted", { plan: "basic" }]]))).toEqual([
      ["r", 1000, "USD"],
    ]);
    const noDefault = rule({ amount: { type: "by_plan", plans: { pro: 7500 } } });
    expect(evaluate({ rules: [noDefault] }, [["lead"], ["converted", { plan: "basic" }]]).entries).toEqual([]);
  });
  it("uses the referral's plan and value when a renewal does not repeat them", () => {
    const r = rule({ trigger: "renewed", amount: { type: "percent", percent: 10 }, currency: undefined });
    const result = evaluate({ rules: [r] }, [
      ["lead"],
      ["converted", { value_cents: 5000, currency: "USD" }],
      ["renewed"],
    ]);
    expect(amounts(result)).toEqual([["r", 500, "USD"]]);
  });
  it("keeps non-money kinds without a currency", () => {
    const months = rule({ kind: "free_months", amount: { type: "flat", value: 2 }, currency: undefined });
    const result = evaluate({ rules: [months] }, [["lead"], ["converted"]]);
    expect(result.entries[0]).toMatchObject({ kind: "free_months", amount: 2, currency: null });
  });
  it("skips a zero amount", () => {
    expect(
      evaluate({ rules: [rule({ amount: { type: "flat", value: 0 } })] }, [["lead"], ["converted"]]).entries,
    ).toEqual([]);
  });
});

describe("triggers and conditions", () => {
  it("fires each funnel rule once, on the event that reaches its stage", () => {
    const rules = [
      rule({ id: "l", trigger: "lead" }),
      rule({ id: "q", trigger: "qualified" }),
      rule({ id: "c", trigger: "converted" }),
    ];
    expect(evaluate({ rules }, [["lead"]]).entries.map((e) => e.rule_id)).toEqual(["l"]);
    expect(evaluate({ rules }, [["lead"], ["qualified"]]).entries.map((e) => e.rule_id)).toEqual(["q"]);
    expect(evaluate({ rules }, [["lead"], ["qualified"], ["converted"]]).entries.map((e) => e.rule_id)).toEqual(["c"]);
    expect(evaluate({ rules }, [["lead"], ["converted"]]).entries.map((e) => e.rule_id)).toEqual(["q", "c"]);
    expect(evaluate({ rules }, [["lead"], ["converted"], ["renewed"]]).entries).toEqual([]);
  });
  it("pays the friend or the member as the rule says, with distinct dedupe keys per stage", () => {
    const rules = [rule({ id: "m" }), rule({ id: "f", recipient: "friend", kind: "gift_card" })];
    const result = evaluate({ rules }, [["lead"], ["converted"]]);
    expect(result.entries.map((e) => [e.recipient, e.dedupe_key])).toEqual([
      ["member", "m:ref_1:converted"],
      ["friend", "f:ref_1:converted"],
    ]);
  });
  it("needs a minimum deal value in the rule's currency", () => {
    const r = rule({ min_value_cents: 10000 });
    const at = (value: number, currency = "USD") =>
      evaluate({ rules: [r] }, [["lead"], ["converted", { value_cents: value, currency }]]).entries.length;
    expect(at(9999)).toBe(0);
    expect(at(10000)).toBe(1);
    expect(at(50000, "EUR")).toBe(0);
    expect(evaluate({ rules: [r] }, [["lead"], ["converted"]]).entries).toEqual([]);
  });
  it("pays a spend threshold once, on the payment that crosses it", () => {
    const r = rule({ min_spend_cents: 2500, amount: { type: "flat", value: 2500 } });
    const pay = (v: number): Ev => ["renewed", { value_cents: v, currency: "USD" }];
    const start: Ev[] = [["lead"], ["converted", { value_cents: 1000, currency: "USD" }]];
    expect(evaluate({ rules: [r] }, start).entries).toEqual([]);
    expect(evaluate({ rules: [r] }, [...start, pay(1000)]).entries).toEqual([]);
    const crossing = evaluate({ rules: [r] }, [...start, pay(1000), pay(600)]);
    expect(crossing.entries.map((e) => e.dedupe_key)).toEqual(["r:ref_1:spend"]);
    expect(evaluate({ rules: [r] }, [...start, pay(1000), pay(600), pay(5000)]).entries).toEqual([]);
    const other = evaluate({ rules: [r] }, [...start, ["renewed", { value_cents: 9000, currency: "EUR" }]]);
    expect(other.entries).toEqual([]);
  });
  it("does not count spend toward a threshold before the trigger is reached", () => {
    const r = rule({ trigger: "renewed", min_spend_cents: 100 });
    expect(evaluate({ rules: [r] }, [["lead"], ["converted", { value_cents: 500, currency: "USD" }]]).entries).toEqual(
      [],
    );
    expect(
      evaluate({ rules: [r] }, [["lead"], ["converted"], ["renewed", { value_cents: 500, currency: "USD" }]]).entries,
    ).toHaveLength(1);
  });
  it("caps a recurring rule by renewal count", () => {
    const r = rule({ trigger: "renewed", max_occurrences: 2 });
    const renewals = (n: number): Ev[] => [
      ["lead"],
      ["converted"],
      ...Array.from({ length: n }, (): Ev => ["renewed"]),
    ];
    expect(evaluate({ rules: [r] }, renewals(1)).entries[0]?.dedupe_key).toBe("r:ref_1:renewed:1");
    expect(evaluate({ rules: [r] }, renewals(2)).entries[0]?.dedupe_key).toBe("r:ref_1:renewed:2");
    expect(evaluate({ rules: [r] }, renewals(3)).entries).toEqual([]);
  });
  it("caps a recurring rule by months since the conversion (the end is excluded)", () => {
    const r = rule({ trigger: "renewed", max_months: 12 });
    const renewalAt = (at: number) =>
      evaluate({ rules: [r] }, [
        ["lead", { created_at: T }],
        ["converted", { created_at: T }],
        ["renewed", { created_at: at }],
      ]).entries.length;
    expect(renewalAt(addMonths(T, 11))).toBe(1);
    expect(renewalAt(addMonths(T, 12) - 1)).toBe(1);
    expect(renewalAt(addMonths(T, 12))).toBe(0);
  });
});

describe("milestones, tiers and caps", () => {
  it("pays a milestone on exactly the member's Nth referral to reach the stage", () => {
    const r = rule({ milestone: { at: 3 } });
    const at = (others: number) =>
      evaluate({ rules: [r] }, [["lead"], ["converted"]], { converted: others }).entries.length;
    expect([at(0), at(1), at(2), at(3), at(5)]).toEqual([0, 0, 1, 0, 0]);
    const everyThird = rule({ milestone: { at: 3, repeat: true } });
    const every = (others: number) =>
      evaluate({ rules: [everyThird] }, [["lead"], ["converted"]], { converted: others }).entries.length;
    expect([every(1), every(2), every(4), every(5), every(8)]).toEqual([0, 1, 0, 1, 1]);
  });
  it("counts the stage the rule triggers on", () => {
    const onLead = rule({ trigger: "lead", milestone: { at: 2 } });
    expect(evaluate({ rules: [onLead] }, [["lead"]], { leads: 1, converted: 0 }).entries).toHaveLength(1);
    const onQualified = rule({ trigger: "qualified", milestone: { at: 2 } });
    expect(evaluate({ rules: [onQualified] }, [["lead"], ["converted"]], { qualified: 1 }).entries).toHaveLength(1);
  });
  it("pays tier amounts by the member's count", () => {
    const rules = [
      rule({ id: "low", tier: { to: 2 } }),
      rule({ id: "high", tier: { from: 3 }, amount: { type: "flat", value: 9000 } }),
    ];
    const tierOf = (others: number) =>
      evaluate({ rules }, [["lead"], ["converted"]], { converted: others }).entries.map((e) => e.rule_id);
    expect([tierOf(0), tierOf(1), tierOf(2), tierOf(40)]).toEqual([["low"], ["low"], ["high"], ["high"]]);
  });
  it("stops at a member cap by count, and cuts the last reward to fit an amount cap", () => {
    const byCount = rule({ member_cap: { count: 2 } });
    expect(
      evaluate({ rules: [byCount] }, [["lead"], ["converted"]], { ruleTotals: { r: { count: 1, amount: 5000 } } })
        .entries,
    ).toHaveLength(1);
    expect(
      evaluate({ rules: [byCount] }, [["lead"], ["converted"]], { ruleTotals: { r: { count: 2, amount: 10000 } } })
        .entries,
    ).toEqual([]);
    const byAmount = rule({ member_cap: { amount: 12000 } });
    const cut = evaluate({ rules: [byAmount] }, [["lead"], ["converted"]], {
      ruleTotals: { r: { count: 2, amount: 10000 } },
    });
    expect(amounts(cut)).toEqual([["r", 2000, "USD"]]);
    expect(
      evaluate({ rules: [byAmount] }, [["lead"], ["converted"]], { ruleTotals: { r: { count: 3, amount: 12000 } } })
        .entries,
    ).toEqual([]);
  });
  it("marks evaluations that depended on the member's other referrals", () => {
    expect(evaluate({ rules: [rule()] }, [["lead"], ["converted"]]).memberDependent).toBe(false);
    expect(evaluate({ rules: [rule({ milestone: { at: 9 } })] }, [["lead"], ["converted"]]).memberDependent).toBe(true);
    expect(evaluate({ rules: [rule({ milestone: { at: 9 } })] }, [["lead"]]).memberDependent).toBe(false);
    expect(
      evaluate({ rules: [rule({ tier: { from: 2 } })] }, [["lead"], ["converted"], ["lost"]]).memberDependent,
    ).toBe(true);
  });
});

describe("holds, approval and voids", () => {
  it("holds a reward until available_at, and approves at once without a hold", () => {
    const held = evaluate({ rules: [rule({ hold_days: 30 })] }, [["lead"], ["converted"]]).entries[0];
    expect(held).toMatchObject({ state: "pending", available_at: T + 1000 + 30 * DAY_MS, rule_version: 3 });
    expect(evaluate({ rules: [rule()] }, [["lead"], ["converted"]]).entries[0]?.state).toBe("approved");
  });
  it("keeps every reward pending under manual approval", () => {
    const entry = evaluate({ approval: "manual", rules: [rule()] }, [["lead"], ["converted"]]).entries[0];
    expect(entry).toMatchObject({ state: "pending", auto_approve: false });
  });
  const reward = (
    id: string,
    state: ExistingReward["state"],
    availableAt: number,
    whileActive = false,
  ): ExistingReward => ({
    id,
    rule_id: "r",
    state,
    available_at: availableAt,
    while_active: whileActive,
  });
  /** Unpaid rewards of every kind: still in the hold, past it, approved, in review. */
  const unpaid = () => [
    reward("inside", "pending", T + DAY_MS),
    reward("past", "pending", T - 1),
    reward("approved", "approved", T - 1),
    reward("review", "in_review", T - 1),
  ];
  it("a refund takes back every reward: unpaid ones voided, paid ones clawed back", () => {
    const existing = [
      ...unpaid(),
      {
        ...reward("paid", "paid", T - DAY_MS),
        recipient: "member" as const,
        kind: "cash" as const,
        amount: 5000,
        currency: "USD",
      },
    ];
    const refund = evaluate({ rules: [rule()] }, [["lead"], ["converted"], ["refunded"]], {}, existing);
    expect(refund.voids.map((v) => v.id)).toEqual(["inside", "past", "approved", "review"]);
    expect(refund.voids.every((v) => v.reason === "refunded")).toBe(true);
    expect(refund.entries).toEqual([
      expect.objectContaining({ clawback_of: "paid", amount: -5000, currency: "USD", state: "approved" }),
    ]);
  });
  it("a churn voids what is still pending or in review, whatever the hold; an approved reward stays", () => {
    const existing = [...unpaid(), reward("paid", "paid", T - 1)];
    const churn = evaluate({ rules: [rule()] }, [["lead"], ["converted"], ["lost"]], {}, existing);
    expect(churn.voids).toEqual([
      { id: "inside", reason: "churned" },
      { id: "past", reason: "churned" },
      { id: "review", reason: "churned" },
    ]);
    expect(churn.entries).toEqual([]);
    // A deal lost before it converted leaves nothing unpaid.
    const lostLead = evaluate({ rules: [rule()] }, [["lead"], ["qualified"], ["lost"]], {}, existing);
    expect(lostLead.voids.map((v) => v.id)).toEqual(["inside", "past", "approved", "review"]);
  });
  it("voids `while_active` rewards on churn even after the hold, but never a paid one", () => {
    const existing = [reward("discount", "approved", T - DAY_MS, true), reward("paid", "paid", T - DAY_MS, true)];
    const churn = evaluate({ rules: [rule()] }, [["lead"], ["converted"], ["lost"]], {}, existing);
    expect(churn.voids).toEqual([{ id: "discount", reason: "churned" }]);
  });
});

describe("stacking discount, milestones, raffle entries", () => {
  const config = rulesetSchema.parse({
    stacking_discount: { percent_per_referral: 10, max_percent: 100 },
    raffle: { entries: { lead: 1, qualified: 2, converted: 5 } },
    rules: [
      rule({ id: "third", milestone: { at: 3 } }),
      rule({ id: "every-tenth-lead", trigger: "lead", milestone: { at: 10, repeat: true } }),
    ],
  });
  it("adds X% per active customer up to the cap, and drops when one churns", () => {
    expect([0, 1, 9, 10, 14].map((n) => stackingDiscount(config, n))).toEqual([0, 10, 90, 100, 100]);
    expect(stackingDiscount(rulesetSchema.parse({}), 5)).toBe(0);
  });
  it("shows the nearest milestone not yet reached", () => {
    expect(nextMilestone(config, { leads: 0, qualified: 0, converted: 0 })).toMatchObject({ at: 3, current: 0 });
    expect(nextMilestone(config, { leads: 18, qualified: 2, converted: 2 })).toMatchObject({ at: 3, current: 2 });
    expect(nextMilestone(config, { leads: 19, qualified: 4, converted: 4 })).toMatchObject({
      rule: { id: "every-tenth-lead" },
      at: 20,
      current: 19,
    });
  });
  it("gives raffle entries for every stage an event reaches, a lead's only once it is qualified", () => {
    const r: Ruleset = { version: 1, config };
    const run = (events: Ev[]) => evaluateRewards(r, history(events), EMPTY_MEMBER_HISTORY).raffleEntries;
    expect(run([["lead"]])).toBe(0);
    expect(run([["lead"], ["qualified"]])).toBe(3);
    expect(run([["lead"], ["converted"]])).toBe(8);
    expect(run([["lead"], ["converted"], ["renewed"]])).toBe(0);
  });
});

describe("summarizeMemberHistory", () => {
  it("counts stages reached, leaves refunded sales out of conversions and counts active customers", () => {
    // A referral at `status` that went through `steps`.
    const ref = (status: ReferralStatus, ...steps: ReferralStatus[]) => ({
      status,
      events: steps.map((to_status) => ({ to_status })),
    });
    const refs = [
      ref("lead", "lead"),
      ref("lost", "lead", "qualified", "lost"),
      ref("renewed", "lead", "converted", "renewed"),
      ref("lost", "lead", "converted", "lost"),
      ref("refunded", "lead", "converted", "refunded"),
    ];
    const summary = summarizeMemberHistory(refs, [
      { rule_id: "r", amount: 100, state: "approved" },
      { rule_id: "r", amount: 50, state: "paid" },
      { rule_id: "r", amount: 999, state: "voided" },
    ]);
    expect(summary).toEqual({
      leads: 5,
      qualified: 4,
      converted: 2,
      active: 1,
      ruleTotals: { r: { count: 2, amount: 150 } },
    });
  });
});

describe("rule validation", () => {
  const issues = (input: unknown) => {
    const result = rewardRuleSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
  };
  it("accepts every kind of rule the seed programs need", () => {
    expect(issues(rule())).toEqual([]);
    expect(issues(rule({ kind: "custom", description: "Course", currency: undefined }))).toEqual([]);
  });
  it("names what is wrong", () => {
    expect(issues(rule({ currency: undefined }))).toEqual(["currency"]);
    expect(issues(rule({ kind: "free_months", amount: { type: "percent", percent: 5 } }))).toContain("amount");
    expect(issues(rule({ kind: "custom", currency: undefined }))).toEqual(["description"]);
    expect(issues(rule({ kind: "discount_percent", amount: { type: "flat", value: 150 } }))).toEqual(["amount"]);
    expect(issues(rule({ max_occurrences: 3 }))).toEqual(["trigger"]);
    expect(issues(rule({ trigger: "renewed", tier: { from: 2 } }))).toEqual(["trigger"]);
    expect(issues(rule({ milestone: { at: 2 }, tier: { from: 2 } }))).toEqual(["tier"]);
    expect(issues(rule({ tier: { from: 5, to: 2 } }))).toEqual(["tier"]);
    expect(issues(rule({ amount: { type: "percent", percent: 12.345 } }))).toEqual(["amount.percent"]);
    expect(issues(rule({ id: "Not OK" }))).toEqual(["id"]);
  });
  it("refuses duplicate rule ids in a ruleset", () => {
    expect(rulesetSchema.safeParse({ rules: [rule(), rule()] }).success).toBe(false);
  });
});

describe("drawRaffle", () => {
  const entrants = [
    { member_id: "mem_b", entries: 3 },
    { member_id: "mem_a", entries: 1 },
    { member_id: "mem_c", entries: 0 },
  ];
  it("gives the same winner for the same seed, whatever order the entrants come in", async () => {
    const one = await drawRaffle("seed-1", entrants);
    const two = await drawRaffle("seed-1", [...entrants].reverse());
    expect(two).toEqual(one);
    expect(one.entrants.map((e) => e.member_id)).toEqual(["mem_a", "mem_b"]);
    expect(one.total).toBe(4);
    expect(one.winner).toBe(one.ticket === 0 ? "mem_a" : "mem_b");
  });
  it("follows the documented algorithm: first 48 bits of SHA-256(seed) mod total", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")));
    const n = digest.slice(0, 6).reduce((acc, b) => acc * 256 + b, 0);
    expect((await drawRaffle("abc", entrants)).ticket).toBe(n % 4);
  });
  it("hands out wins in proportion to entries", async () => {
    const wins: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { winner } = await drawRaffle(`s${i}`, entrants);
      wins[winner ?? "none"] = (wins[winner ?? "none"] ?? 0) + 1;
    }
    expect(wins.mem_b).toBeGreaterThan(250);
    expect(wins.mem_a).toBeGreaterThan(60);
    expect(wins.mem_c).toBeUndefined();
  });
  it("has no winner without entries", async () => {
    expect((await drawRaffle("x", [{ member_id: "m", entries: 0 }])).winner).toBeNull();
  });
  it("names months in UTC", () => {
    expect(monthOf(Date.UTC(2026, 0, 31, 23, 59))).toBe("2026-01");
    expect(monthRange("2026-12")).toEqual({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) });
  });
});
