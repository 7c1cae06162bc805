import { compareVariants, conversionRate, type VariantCounts } from "../experiments/readout";
import { fraudRulesSchema } from "../fraud/schema";

/**
 * Example objects for the API document: one program (Acme), one member (Dana), one referral (Sam at Initech)
 * and its reward, reused by every operation that answers them. Redocly checks each example against its
 * schema (`no-invalid-media-type-examples`), and src/openapi/openapi.test.ts parses them with the zod schemas.
 */

const T = "2026-01-05T09:00:00.000Z";
const LATER = "2026-01-19T09:00:00.000Z";

export const memberExample = {
  id: "mem_8fKq2xLp9Xz3Vb6T",
  external_id: "user_4821",
  email: "dana@northwind.com",
  email_verified: true,
  name: "Dana Scully",
  company: "Northwind",
  code: "DANA7K2M",
  link: "https://www.acme.com/?via=DANA7K2M",
  short_link: "https://api.acme.com/r/acme/DANA7K2M",
  status: "active" as const,
  created_at: T,
};

export const serverMemberExample = {
  ...memberExample,
  suspended_at: null,
  suspended_reason: null,
  attributes: { plan: "team", paying: true, customer_since: "2025-11-02", nps: 9 },
  eligible: true,
};

export const statsExample = { visits: 12, shares: 3, leads: 2, qualified: 1, converted: 1 };

export const memberRewardsExample = {
  rule_version: 1,
  totals: [{ currency: "USD", pending: 10_000, approved: 0, paid: 0, earned: 0 }],
  free_months: { pending: 0, earned: 0 },
  discount_percent: 0,
  next_milestone: null,
  raffle: null,
  recent: [
    {
      id: "rwd_2Zp8Lq4Xn7Vb3Kw9",
      kind: "account_credit" as const,
      amount: 10_000,
      currency: "USD",
      description: null,
      state: "pending" as const,
      available_at: LATER,
      created_at: T,
    },
  ],
};

export const referralExample = {
  id: "ref_5Tn2Qw8Lp3Xz7Vb4",
  member_id: memberExample.id,
  status: "converted" as const,
  source: "form",
  click_id: "clk_3Jx8kQ2mN5pR7tVw",
  campaign: null,
  friend: { email: "sam@initech.com", name: "Sam Lee", company: "Initech", role: "CFO", company_size: "51-200" },
  external_customer_id: "cus_Q2x7",
  plan: "growth",
  value_cents: 9_900,
  currency: "USD",
  created_at: T,
  updated_at: LATER,
};

export const eventExample = {
  id: "evt_7Kq3Lp9Xn2Vb5Tw8",
  seq: 2,
  from: "lead" as const,
  to: "converted" as const,
  value_cents: 9_900,
  currency: "USD",
  plan: "growth",
  reason: null,
  idempotency_key: "invoice:in_1Q2x7",
  created_at: LATER,
};

export const rewardExample = {
  id: "rwd_2Zp8Lq4Xn7Vb3Kw9",
  member_id: memberExample.id,
  referral_id: referralExample.id,
  event_id: eventExample.id,
  recipient: "member" as const,
  kind: "account_credit" as const,
  amount: 10_000,
  currency: "USD",
  description: null,
  rule: { id: "member-reward", version: 1 },
  state: "approved" as const,
  auto_approve: true,
  while_active: false,
  awaiting_qualification: false,
  clawback_of: null,
  available_at: LATER,
  created_at: T,
  approved_at: LATER,
  paid_at: null,
  payout_id: null,
  voided_at: null,
  void_reason: null,
  take_back_reason: null,
  experiment_variant_id: null,
};

/** A reward as a status change's answer lists it. */
export const earnedRewardExample = {
  id: "rwd_9Hk2Lm4Np6Qr8St1",
  recipient: "member",
  rule_id: "advocate-cash",
  kind: "cash",
  amount: 10_000,
  currency: "USD",
  state: "pending",
  description: "$100 for referring a paying customer",
};

export const rulesBodyExample = {
  rules: [
    {
      id: "friend-reward",
      trigger: "converted" as const,
      recipient: "friend" as const,
      kind: "account_credit" as const,
      amount: { type: "flat" as const, value: 10_000 },
      currency: "USD",
    },
    {
      id: "member-reward",
      trigger: "converted" as const,
      recipient: "member" as const,
      kind: "account_credit" as const,
      amount: { type: "flat" as const, value: 10_000 },
      currency: "USD",
      hold_days: 14,
    },
  ],
  approval: "auto" as const,
};

export const rulesExample = {
  program_id: "prg_6Wm3Lq8Xp2Zn5Vb7",
  version: 1,
  rules: rulesBodyExample.rules.map((r) => ({ hold_days: 0, while_active: false, ...r })),
  approval: "auto" as const,
  created_at: T,
};

export const reviewExample = {
  id: "rev_9Lp4Xq2Zn7Vb3Kw5",
  status: "open" as const,
  referral_id: referralExample.id,
  member_id: memberExample.id,
  friend_email: "sam@initech.com",
  reasons: [
    {
      rule: "same_visitor" as const,
      action: "flag" as const,
      message: "The friend used the member's own browser.",
      evidence: { visitor_hash: "5f2c…" },
    },
  ],
  created_at: T,
  updated_at: T,
  decided_at: null,
  decided_by: null,
  decision_reason: null,
};

export const keyExample = {
  id: "key_3Vb7Lq2Xp8Zn4Kw6",
  type: "secret" as const,
  prefix: "vch_sk_live_Zk3q…",
  created_at: T,
  revoked_at: null,
};

export const drawExample = {
  month: "2026-01",
  seed: "lottery-2026-02-01-07-13-22-31-40",
  algorithm:
    "sha256-48: entrants sorted by member_id own consecutive tickets; ticket = first 48 bits of SHA-256(seed) mod total_entries",
  entrants: [{ member_id: memberExample.id, entries: 3 }],
  total_entries: 3,
  ticket: 1,
  winner: { member_id: memberExample.id },
  created_at: "2026-02-01T12:00:00.000Z",
};

export const programExample = {
  id: "prg_6Wm3Lq8Xp2Zn5Vb7",
  name: "Acme",
  slug: "acme",
  landing_url: "https://www.acme.com/",
  program_page_url: null,
  allowed_origins: ["https://www.acme.com", "https://app.acme.com"],
  test_mode: false,
  attribution: { model: "first" as const, window_days: 90, param_names: ["via", "ref"] },
  block_same_domain: true,
  offer_text: "Give $100, get $100.",
  offer_text_override: null,
  brand_color: "#4f46e5",
  message_template: "Hi! I've been using {program} and think you'd like it too. {offer} Sign up with my link: {link}",
  require_signature_timestamp: false,
  identity_secret_rotation: null,
  // The defaults, as a new program has them.
  fraud_rules: fraudRulesSchema.parse({}),
  page_url: "https://api.acme.com/p/acme",
  page_faq: null,
  page_terms: null,
  logo_url: null,
  page_language: null,
  greeting: { reveal: "first_name" as const, offer: null },
  eligibility: null,
  moments: {},
  created_at: T,
  warnings: [],
};

export const conversionBodyExample = {
  email: "sam@initech.com",
  external_customer_id: "cus_Q2x7",
  status: "converted" as const,
  plan: "growth",
  value_cents: 9_900,
  currency: "USD",
};

/** Variant b of the example experiment: the team angle with a bigger offer (its own rules). */
const teamVariant = {
  key: "b",
  name: "Team angle, bigger offer",
  weight: 1,
  message: "Our whole team runs on {program}. {offer} Try it: {link}",
  rules: {
    rules: [
      {
        id: "member-reward",
        trigger: "converted" as const,
        recipient: "member" as const,
        kind: "account_credit" as const,
        amount: { type: "flat" as const, value: 15_000 },
        currency: "USD",
        hold_days: 14,
      },
    ],
    approval: "auto" as const,
  },
};

export const experimentBodyExample = {
  name: "Message: savings vs. team",
  variants: [{ key: "a", name: "Current message", weight: 1 }, teamVariant],
};

export const experimentExample = {
  id: "exp_4Tn8Lq2Xp6Zn3Vb9",
  name: experimentBodyExample.name,
  status: "running" as const,
  started_at: T,
  ended_at: null,
  created_at: T,
  variants: [
    { id: "exv_7Kq2Lp9Xz3Vb6Tn4", key: "a", name: "Current message", weight: 1, message: null, rules: null },
    // As stored: the rule set with its defaults filled in.
    {
      id: "exv_2Zp8Lq4Xn7Vb3Kw9",
      ...teamVariant,
      rules: { ...teamVariant.rules, rules: teamVariant.rules.rules.map((r) => ({ ...r, while_active: false })) },
    },
  ],
};

const experimentCounts: VariantCounts[] = [
  {
    variant_id: "exv_7Kq2Lp9Xz3Vb6Tn4",
    key: "a",
    name: "Current message",
    weight: 1,
    exposed: 1000,
    shares: 640,
    visits: 1210,
    leads: 260,
    conversions: 212,
    converting_members: 200,
    reward_cost: [{ currency: "USD", amount: 4_240_000 }],
  },
  {
    variant_id: "exv_2Zp8Lq4Xn7Vb3Kw9",
    key: "b",
    name: "Team angle, bigger offer",
    weight: 1,
    exposed: 1000,
    shares: 720,
    visits: 1480,
    leads: 318,
    conversions: 266,
    converting_members: 250,
    reward_cost: [{ currency: "USD", amount: 6_650_000 }],
  },
];

export const experimentResultsExample = {
  experiment: experimentExample,
  window: { from: T, to: "2026-02-05T09:00:00.000Z" },
  variants: experimentCounts.map((c) => ({ ...c, conversion_rate: conversionRate(c) })),
  ...compareVariants(experimentCounts),
};
