import type { ReferralStatus } from "../src/referrals/status";
import { addMonths, DAY_MS } from "../src/rewards/engine";
import type { RewardState, RulesetInput } from "../src/rewards/schema";
import type { ScriptStep } from "../src/rewards/simulate";

/**
 * The referral programs the product was designed from, written as rules, each with a scripted history
 * and the exact ledger it must produce. The unit tests replay them through the pure engine; the API
 * tests replay the `api` ones through the real routes and D1 and expect the same ledger.
 */

export const T0 = Date.UTC(2026, 0, 5, 9);
const MINUTE = 60_000;

/** `[ref, rule id, amount, currency, state]`; amounts are minor units, months or percent points by kind. */
export type ExpectedReward = [string, string, number, string | null, RewardState];

export interface SeedProgram {
  name: string;
  rules: RulesetInput;
  steps: ScriptStep[];
  expected: ExpectedReward[];
  /** Stacking discount per member at the end. */
  discount?: Record<string, number>;
  /** False when the script needs time to pass (holds ending, months going by): pure tests only. */
  api: boolean;
}

type Extra = Partial<Omit<ScriptStep, "ref" | "to">>;
type Step = [string, ReferralStatus, Extra?];

/** Steps a minute apart unless they say when. A referral's first step other than `lead` is a conversion that creates it. */
function script(steps: Step[]): ScriptStep[] {
  return steps.map(([ref, to, extra], i) => ({ ref, to, at: T0 + i * MINUTE, ...extra }));
}

const usd = (value: number) => ({ type: "flat" as const, value });

export const SEED_PROGRAMS: SeedProgram[] = [
  {
    name: "Hiver: credit for a qualified lead, more when it buys, a bonus on the third customer",
    api: true,
    rules: {
      rules: [
        {
          id: "qualified-credit",
          trigger: "qualified",
          recipient: "member",
          kind: "account_credit",
          amount: usd(2000),
          currency: "USD",
        },
        {
          id: "purchase-credit",
          trigger: "converted",
          recipient: "member",
          kind: "account_credit",
          amount: usd(10000),
          currency: "USD",
        },
        {
          id: "third-customer-bonus",
          description: "Bonus for your third customer",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(25000),
          currency: "USD",
          milestone: { at: 3 },
        },
      ],
    },
    steps: script([
      ["a", "lead"],
      ["a", "qualified"],
      ["b", "lead"],
      ["b", "qualified"],
      ["a", "converted"],
      ["c", "converted"],
      ["d", "lead"],
      ["d", "lost"],
      ["e", "lead"],
      ["e", "converted"],
      ["f", "converted"],
    ]),
    expected: [
      ["a", "qualified-credit", 2000, "USD", "approved"],
      ["a", "purchase-credit", 10000, "USD", "approved"],
      ["b", "qualified-credit", 2000, "USD", "approved"],
      ["c", "qualified-credit", 2000, "USD", "approved"],
      ["c", "purchase-credit", 10000, "USD", "approved"],
      ["e", "qualified-credit", 2000, "USD", "approved"],
      ["e", "purchase-credit", 10000, "USD", "approved"],
      ["e", "third-customer-bonus", 25000, "USD", "approved"],
      ["f", "qualified-credit", 2000, "USD", "approved"],
      ["f", "purchase-credit", 10000, "USD", "approved"],
    ],
  },
  {
    name: "ActiveCampaign: $25 to $100 by the referred plan, after a 30-day hold",
    api: true,
    rules: {
      rules: [
        {
          id: "plan-bounty",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: { type: "by_plan", plans: { lite: 2500, plus: 5000, professional: 7500, enterprise: 10000 } },
          currency: "USD",
          hold_days: 30,
        },
      ],
    },
    steps: script([
      ["a", "converted", { plan: "lite", value_cents: 1500, currency: "USD" }],
      ["b", "converted", { plan: "enterprise", value_cents: 14500, currency: "USD" }],
      ["c", "converted", { plan: "free" }],
      ["d", "lead"],
      ["d", "qualified"],
      ["d", "converted", { plan: "professional" }],
    ]),
    expected: [
      ["a", "plan-bounty", 2500, "USD", "pending"],
      ["b", "plan-bounty", 10000, "USD", "pending"],
      ["d", "plan-bounty", 7500, "USD", "pending"],
    ],
  },
  {
    name: "GetResponse: $30 for both sides, a course after three sales",
    api: true,
    rules: {
      rules: [
        {
          id: "member-30",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(3000),
          currency: "USD",
        },
        {
          id: "friend-30",
          trigger: "converted",
          recipient: "friend",
          kind: "cash",
          amount: usd(3000),
          currency: "USD",
        },
        {
          id: "course",
          description: "Email marketing masterclass",
          trigger: "converted",
          recipient: "member",
          kind: "custom",
          amount: usd(1),
          milestone: { at: 3 },
        },
      ],
    },
    steps: script([
      ["a", "converted"],
      ["b", "converted"],
      ["c", "converted"],
      ["d", "converted"],
    ]),
    expected: [
      ["a", "member-30", 3000, "USD", "approved"],
      ["a", "friend-30", 3000, "USD", "approved"],
      ["b", "member-30", 3000, "USD", "approved"],
      ["b", "friend-30", 3000, "USD", "approved"],
      ["c", "member-30", 3000, "USD", "approved"],
      ["c", "friend-30", 3000, "USD", "approved"],
      ["c", "course", 1, null, "approved"],
      ["d", "member-30", 3000, "USD", "approved"],
      ["d", "friend-30", 3000, "USD", "approved"],
    ],
  },
  {
    name: "FreeAgent: 10% off for both sides while they stay, free at ten, then affiliate commission",
    api: true,
    rules: {
      stacking_discount: { percent_per_referral: 10, max_percent: 100 },
      rules: [
        {
          id: "friend-discount",
          trigger: "converted",
          recipient: "friend",
          kind: "discount_percent",
          amount: usd(10),
          while_active: true,
        },
        {
          id: "affiliate-commission",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: { type: "percent", percent: 20 },
          currency: "GBP",
          tier: { from: 11 },
        },
      ],
    },
    steps: script([
      ...Array.from({ length: 12 }, (_, i): Step => [`r${i + 1}`, "converted", { value_cents: 2000, currency: "GBP" }]),
      ["r1", "lost"],
      ["x1", "converted", { member: "m2", value_cents: 2000, currency: "GBP" }],
      ["x2", "converted", { member: "m2", value_cents: 2000, currency: "GBP" }],
      ["x3", "converted", { member: "m2", value_cents: 2000, currency: "GBP" }],
      ["x2", "lost", { member: "m2" }],
    ]),
    expected: [
      ["r1", "friend-discount", 10, null, "voided"],
      ...Array.from({ length: 11 }, (_, i): ExpectedReward => [`r${i + 2}`, "friend-discount", 10, null, "approved"]),
      ["r11", "affiliate-commission", 400, "GBP", "approved"],
      ["r12", "affiliate-commission", 400, "GBP", "approved"],
      ["x1", "friend-discount", 10, null, "approved"],
      ["x2", "friend-discount", 10, null, "voided"],
      ["x3", "friend-discount", 10, null, "approved"],
    ],
    discount: { m1: 100, m2: 20 },
  },
  {
    name: "DigitalOcean: friend $100 credit on a payment method; member $25 once the friend spends $25",
    api: true,
    rules: {
      rules: [
        {
          id: "friend-credit",
          trigger: "qualified",
          recipient: "friend",
          kind: "account_credit",
          amount: usd(10000),
          currency: "USD",
        },
        {
          id: "member-after-spend",
          trigger: "converted",
          recipient: "member",
          kind: "account_credit",
          amount: usd(2500),
          currency: "USD",
          min_spend_cents: 2500,
        },
      ],
    },
    steps: script([
      ["a", "lead"],
      ["a", "qualified"],
      ["a", "converted", { value_cents: 1000, currency: "USD" }],
      ["a", "renewed", { value_cents: 1000, currency: "USD" }],
      ["a", "renewed", { value_cents: 1000, currency: "USD" }],
      ["a", "renewed", { value_cents: 1000, currency: "USD" }],
      ["b", "lead"],
      ["b", "qualified"],
      ["c", "converted", { value_cents: 5000, currency: "USD" }],
    ]),
    expected: [
      ["a", "friend-credit", 10000, "USD", "approved"],
      ["a", "member-after-spend", 2500, "USD", "approved"],
      ["b", "friend-credit", 10000, "USD", "approved"],
      ["c", "friend-credit", 10000, "USD", "approved"],
      ["c", "member-after-spend", 2500, "USD", "approved"],
    ],
  },
  {
    name: "Airtable: $10 credit per sign-up, adding up, payable once the sign-up is qualified",
    api: true,
    rules: {
      rules: [
        {
          id: "signup-credit",
          trigger: "lead",
          recipient: "member",
          kind: "account_credit",
          amount: usd(1000),
          currency: "USD",
        },
      ],
    },
    steps: script([
      ["a", "lead"],
      ["b", "lead"],
      ["c", "lead"],
      ["c", "converted"],
      ["d", "converted"],
    ]),
    expected: [
      // A sign-up alone is unverified (anyone with the public key can send one): its credit waits.
      ["a", "signup-credit", 1000, "USD", "pending"],
      ["b", "signup-credit", 1000, "USD", "pending"],
      ["c", "signup-credit", 1000, "USD", "approved"],
      ["d", "signup-credit", 1000, "USD", "approved"],
    ],
  },
  {
    name: "Bench: a $150 gift card and a free month per customer, no limit",
    api: true,
    rules: {
      rules: [
        {
          id: "gift-card",
          trigger: "converted",
          recipient: "member",
          kind: "gift_card",
          amount: usd(15000),
          currency: "USD",
        },
        { id: "free-month", trigger: "converted", recipient: "member", kind: "free_months", amount: usd(1) },
      ],
    },
    steps: script(["a", "b", "c", "d", "e"].map((ref): Step => [ref, "converted"])),
    expected: ["a", "b", "c", "d", "e"].flatMap((ref): ExpectedReward[] => [
      [ref, "gift-card", 15000, "USD", "approved"],
      [ref, "free-month", 1, null, "approved"],
    ]),
  },
  {
    name: "Gusto: $300 for the member, $100 for the friend",
    api: true,
    rules: {
      rules: [
        {
          id: "member-300",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(30000),
          currency: "USD",
        },
        {
          id: "friend-100",
          trigger: "converted",
          recipient: "friend",
          kind: "gift_card",
          amount: usd(10000),
          currency: "USD",
        },
      ],
    },
    steps: script([
      ["a", "converted"],
      ["b", "lead"],
      ["c", "lead"],
      ["c", "converted"],
    ]),
    expected: [
      ["a", "member-300", 30000, "USD", "approved"],
      ["a", "friend-100", 10000, "USD", "approved"],
      ["c", "member-300", 30000, "USD", "approved"],
      ["c", "friend-100", 10000, "USD", "approved"],
    ],
  },
  {
    name: "Recurring: 20% of each renewal, at most 12 renewals",
    api: true,
    rules: {
      rules: [
        {
          id: "renewal-commission",
          trigger: "renewed",
          recipient: "member",
          kind: "cash",
          amount: { type: "percent", percent: 20 },
          currency: "EUR",
          max_occurrences: 12,
        },
      ],
    },
    steps: script([
      ["a", "converted", { value_cents: 4999, currency: "EUR" }],
      ...Array.from({ length: 13 }, (): Step => ["a", "renewed", { value_cents: 4999, currency: "EUR" }]),
    ]),
    // 20% of €49.99 is €9.998: rounded half up to €10.00.
    expected: Array.from({ length: 12 }, (): ExpectedReward => ["a", "renewal-commission", 1000, "EUR", "approved"]),
  },
  {
    name: "Refund inside the 30-day hold voids the reward",
    api: true,
    rules: {
      rules: [
        {
          id: "customer-bounty",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(5000),
          currency: "USD",
          hold_days: 30,
        },
      ],
    },
    steps: script([
      ["a", "converted"],
      ["b", "converted"],
      ["a", "refunded"],
    ]),
    expected: [
      ["a", "customer-bounty", 5000, "USD", "voided"],
      ["b", "customer-bounty", 5000, "USD", "pending"],
    ],
  },
  {
    name: "Time: a refund after the hold still voids the unpaid reward; renewals only in the first 6 months",
    api: false,
    rules: {
      rules: [
        {
          id: "customer-bounty",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(5000),
          currency: "USD",
          hold_days: 30,
        },
        {
          id: "first-half-year",
          trigger: "renewed",
          recipient: "member",
          kind: "cash",
          amount: usd(500),
          currency: "USD",
          max_months: 6,
        },
      ],
    },
    steps: [
      { ref: "a", to: "converted", at: T0 },
      { ref: "c", to: "converted", at: T0 + DAY_MS },
      { ref: "c", to: "refunded", at: T0 + 5 * DAY_MS },
      { ref: "a", to: "refunded", at: T0 + 40 * DAY_MS },
      { ref: "b", to: "converted", at: T0 },
      ...[1, 2, 3, 4, 5, 6, 7].map((m): ScriptStep => ({ ref: "b", to: "renewed", at: addMonths(T0, m) })),
    ],
    expected: [
      ["a", "customer-bounty", 5000, "USD", "voided"],
      ["c", "customer-bounty", 5000, "USD", "voided"],
      ["b", "customer-bounty", 5000, "USD", "approved"],
      ...[1, 2, 3, 4, 5].map((): ExpectedReward => ["b", "first-half-year", 500, "USD", "approved"]),
    ],
  },
  {
    name: "Tiers: $50 for the first two customers, $100 from the third on; refunds do not count",
    api: true,
    rules: {
      rules: [
        {
          id: "base",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(5000),
          currency: "USD",
          tier: { to: 2 },
          hold_days: 14,
        },
        {
          id: "boosted",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          amount: usd(10000),
          currency: "USD",
          tier: { from: 3 },
          hold_days: 14,
        },
      ],
    },
    steps: script([
      ["a", "converted"],
      ["b", "converted"],
      ["b", "refunded"],
      ["c", "converted"],
      ["d", "converted"],
      ["e", "converted"],
    ]),
    expected: [
      ["a", "base", 5000, "USD", "pending"],
      ["b", "base", 5000, "USD", "voided"],
      ["c", "base", 5000, "USD", "pending"],
      ["d", "boosted", 10000, "USD", "pending"],
      ["e", "boosted", 10000, "USD", "pending"],
    ],
  },
];

/** The ledger as comparable lines, sorted. */
export function ledgerLines(rows: readonly ExpectedReward[]): string[] {
  return rows.map((r) => r.join(" | ")).sort();
}
