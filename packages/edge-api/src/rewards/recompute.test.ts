import { describe, expect, it } from "vitest";
import type { ReferralStatus } from "../referrals/status";
import type { LiveReward } from "./ledger";
import { type ReplayReferral, recomputeMemberRewards } from "./recompute";
import { type Ruleset, rulesetSchema } from "./schema";

const T = Date.UTC(2026, 0, 5);
const cash = (id: string, value: number, extra: Record<string, unknown> = {}) => ({
  id,
  trigger: "converted" as const,
  recipient: "member" as const,
  kind: "cash" as const,
  amount: { type: "flat" as const, value },
  currency: "USD",
  ...extra,
});
const ruleset = (rules: unknown[]): Ruleset => ({ version: 1, config: rulesetSchema.parse({ rules }) });

/** Referral `n` is created and converted at minute `n`. */
function customers(count: number, status: ReferralStatus = "converted"): ReplayReferral[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i + 1}`,
    status,
    rejected: false,
    events: [
      {
        id: `e${i + 1}a`,
        seq: 1,
        to_status: "lead",
        value_cents: null,
        currency: null,
        plan: null,
        created_at: T + i * 60_000,
      },
      {
        id: `e${i + 1}b`,
        seq: 2,
        to_status: "converted",
        value_cents: null,
        currency: null,
        plan: null,
        created_at: T + i * 60_000,
      },
    ],
  }));
}

const live = (id: string, rule: string, ref: string, amount: number, state: LiveReward["state"] = "approved") => ({
  id,
  rule_id: rule,
  referral_id: ref,
  dedupe_key: `${rule}:${ref}:converted`,
  amount,
  currency: "USD",
  state,
  available_at: T,
  while_active: false,
});

describe("recomputeMemberRewards", () => {
  it("moves a tier when a customer stops counting: the 5th is now a 4th, the 6th a 5th", () => {
    const rules = ruleset([
      cash("low", 5000, { tier: { from: 1, to: 4 } }),
      cash("high", 10_000, { tier: { from: 5 } }),
    ]);
    const existing = [
      live("w1", "low", "r1", 5000),
      live("w3", "low", "r3", 5000),
      live("w4", "low", "r4", 5000),
      live("w5", "high", "r5", 10_000, "paid"),
      live("w6", "high", "r6", 10_000),
    ];
    const result = recomputeMemberRewards({
      ruleset: rules,
      referrals: customers(6),
      excluded: new Set(["r2"]),
      live: existing,
      usedKeys: new Set(existing.map((w) => w.dedupe_key)),
      now: T + 3_600_000,
    });
    expect(result.takeBack.map((w) => w.id)).toEqual(["w5"]);
    expect(result.create).toEqual([
      expect.objectContaining({ rule_id: "low", referral_id: "r5", amount: 5000, dedupe_key: "low:r5:converted" }),
    ]);
  });

  it("leaves a milestone bonus where it is when the member still reaches the milestone", () => {
    const rules = ruleset([cash("third", 25_000, { milestone: { at: 3 } })]);
    const result = recomputeMemberRewards({
      ruleset: rules,
      referrals: customers(4),
      excluded: new Set(["r1"]),
      live: [live("bonus", "third", "r3", 25_000)],
      usedKeys: new Set(),
      now: T + 3_600_000,
    });
    expect(result).toEqual({ takeBack: [], create: [] });
  });

  it("takes a milestone bonus back when the member no longer reaches it, and ignores other rules", () => {
    const rules = ruleset([cash("third", 25_000, { milestone: { at: 3 } }), cash("each", 1000)]);
    const result = recomputeMemberRewards({
      ruleset: rules,
      referrals: customers(3),
      excluded: new Set(["r1"]),
      live: [live("bonus", "third", "r3", 25_000), live("e2", "each", "r2", 1000), live("e3", "each", "r3", 1000)],
      usedKeys: new Set(),
      now: T + 3_600_000,
    });
    expect(result.takeBack.map((w) => w.id)).toEqual(["bonus"]);
    expect(result.create).toEqual([]);
  });

  it("does nothing for a program without milestones, tiers or caps", () => {
    const result = recomputeMemberRewards({
      ruleset: ruleset([cash("each", 1000)]),
      referrals: customers(3),
      excluded: new Set(["r1"]),
      live: [live("e2", "each", "r2", 1000)],
      usedKeys: new Set(),
      now: T,
    });
    expect(result).toEqual({ takeBack: [], create: [] });
  });
});
