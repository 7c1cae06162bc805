import { z } from "zod";
import { pageQuery } from "../lib/pagination";
import { currency, idParams, timestamp } from "../lib/validate";

export const REWARD_TRIGGERS = ["lead", "qualified", "converted", "renewed"] as const;
export type RewardTrigger = (typeof REWARD_TRIGGERS)[number];

export const REWARD_KINDS = [
  "cash",
  "gift_card",
  "account_credit",
  "coupon",
  "free_months",
  "discount_percent",
  "custom",
] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

/** Kinds whose amount is money (minor units of a currency). */
export const MONEY_KINDS: ReadonlySet<RewardKind> = new Set(["cash", "gift_card", "account_credit", "coupon"]);

export const REWARD_STATES = ["pending", "approved", "paid", "voided", "in_review"] as const;
export type RewardState = (typeof REWARD_STATES)[number];

export const RECIPIENTS = ["member", "friend"] as const;
export type Recipient = (typeof RECIPIENTS)[number];

/** The money maximum, in minor units: a billion in a two-decimal currency. */
const MAX_MINOR = 1_000_000_000_00;
const minor = z.number().int().min(0).max(MAX_MINOR);
const positiveMinor = z.number().int().min(1).max(MAX_MINOR);
const count = z.number().int().min(1).max(100_000);

/** Percent with at most two decimals (basis points), so money comes out exact. */
const percent = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, "Use at most two decimals");

const amountSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("flat"), value: minor }),
  z.object({ type: z.literal("percent"), percent }),
  z.object({
    type: z.literal("by_plan"),
    plans: z
      .record(z.string().trim().min(1).max(100), minor)
      .refine((plans) => Object.keys(plans).length > 0, "List at least one plan"),
    default: minor.optional(),
  }),
]);

export const rewardRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Lower-case letters, digits, - or _ (up to 40)"),
    description: z.string().trim().min(1).max(200).optional(),
    trigger: z.enum(REWARD_TRIGGERS),
    recipient: z.enum(RECIPIENTS),
    kind: z.enum(REWARD_KINDS),
    /** Minor units for money kinds, months for free_months, percent points for discount_percent, a count for custom. */
    amount: amountSchema,
    currency: currency.optional(),
    /** The event's deal value must be at least this (in `currency`). */
    min_value_cents: minor.optional(),
    /** Pays once, on the first payment that brings the friend's total spend (in `currency`) to this. */
    min_spend_cents: positiveMinor.optional(),
    /** Recurring (`renewed`) rules: pay at most this many renewals per referral… */
    max_occurrences: count.optional(),
    /** …and only renewals within this many months of the conversion. */
    max_months: z.number().int().min(1).max(120).optional(),
    /** Per member, over every referral: at most this many rewards, or this total amount (the last one is cut to fit). */
    member_cap: z.object({ count: count.optional(), amount: minor.optional() }).optional(),
    hold_days: z.number().int().min(0).max(365).default(0),
    /** Only on the member's Nth referral to reach the trigger (or every Nth with `repeat`). */
    milestone: z.object({ at: count, repeat: z.boolean().default(false) }).optional(),
    /** Only for the member's Nth to Mth referral to reach the trigger: "a higher amount from the 5th on". */
    tier: z.object({ from: count.default(1), to: count.optional() }).optional(),
    /** Voided when the referred customer churns or is refunded, even after the hold (a discount "while they stay"). */
    while_active: z.boolean().default(false),
  })
  .superRefine((rule, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const money = MONEY_KINDS.has(rule.kind);
    if (rule.amount.type === "percent" && !money) issue("amount", "A percent of the deal value needs a money kind");
    if (money && rule.amount.type !== "percent" && !rule.currency) issue("currency", "Money rewards need a currency");
    if ((rule.min_value_cents !== undefined || rule.min_spend_cents !== undefined) && !rule.currency) {
      issue("currency", "A minimum value needs the currency it is counted in");
    }
    if (rule.kind === "custom" && !rule.description) issue("description", "Describe a custom reward");
    if (rule.kind === "discount_percent") {
      const values = rule.amount.type === "flat" ? [rule.amount.value] : [];
      if (rule.amount.type === "by_plan") values.push(...Object.values(rule.amount.plans), rule.amount.default ?? 0);
      if (values.some((v) => v > 100)) issue("amount", "A discount is at most 100 percent");
    }
    if (rule.trigger !== "renewed" && (rule.max_occurrences !== undefined || rule.max_months !== undefined)) {
      issue("trigger", "max_occurrences and max_months are for recurring (renewed) rules");
    }
    if (rule.trigger === "renewed" && (rule.milestone || rule.tier)) {
      issue("trigger", "Milestones and tiers count referrals, not renewals");
    }
    if (rule.milestone && rule.tier) issue("tier", "Use either a milestone or a tier");
    if (rule.min_spend_cents !== undefined && (rule.milestone || rule.tier)) {
      issue("min_spend_cents", "A spend threshold cannot be combined with a milestone or tier");
    }
    if (rule.tier?.to !== undefined && rule.tier.to < rule.tier.from) issue("tier", "`to` must be at least `from`");
  });
export type RewardRule = z.infer<typeof rewardRuleSchema>;

const raffleEntries = z.number().int().min(0).max(1000).optional();

export const rulesetSchema = z.object({
  rules: z
    .array(rewardRuleSchema)
    .max(50)
    .default([])
    .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, "Rule ids must be unique"),
  /** `auto`: a reward becomes approved when its hold ends; `manual`: someone approves it through the API. */
  approval: z.enum(["auto", "manual"]).default("auto"),
  /** +X% off for the member per referred customer who is still active, capped (FreeAgent). */
  stacking_discount: z
    .object({
      percent_per_referral: z.number().int().min(1).max(100),
      max_percent: z.number().int().min(1).max(100),
    })
    .optional(),
  /** Raffle entries the member gets per referral event; drawn monthly. */
  raffle: z
    .object({
      entries: z.object({
        lead: raffleEntries,
        qualified: raffleEntries,
        converted: raffleEntries,
        renewed: raffleEntries,
      }),
    })
    .optional(),
});
export type RulesetConfig = z.infer<typeof rulesetSchema>;
export type RulesetInput = z.input<typeof rulesetSchema>;

/** Fifty rules with descriptions need more room than the API's usual 16 KiB. */
export const RULESET_BODY_LIMIT_BYTES = 64 * 1024;

export const putRulesetSchema = rulesetSchema.extend({
  /** Optimistic concurrency: refuse the change if someone saved another version since you read this one. */
  expected_version: z.number().int().min(0).optional(),
});

export interface Ruleset {
  version: number;
  config: RulesetConfig;
  /** Set when the rules are an experiment variant's (src/experiments), not the program's. */
  experiment_variant_id?: string;
}

const ids = z.array(z.string().min(1).max(40)).min(1).max(100);

export const approveSchema = z.object({ ids });
export const paySchema = z.object({ ids, payout_reference: z.string().trim().min(1).max(200) });
export type PayInput = z.infer<typeof paySchema>;
export const voidSchema = z.object({ reason: z.string().trim().min(1).max(500) });

export const listRewardsQuery = z.object({
  state: z.enum(REWARD_STATES).optional(),
  member_id: z.string().max(40).optional(),
  referral_id: z.string().max(40).optional(),
  recipient: z.enum(RECIPIENTS).optional(),
  kind: z.enum(REWARD_KINDS).optional(),
  rule_id: z.string().max(40).optional(),
  currency: currency.optional(),
  ...pageQuery.shape,
});
export type ListRewardsQuery = z.infer<typeof listRewardsQuery>;

export const exportQuery = z.object({
  currency: currency.optional(),
  member_id: z.string().max(40).optional(),
});

export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "Use YYYY-MM");
export const monthQuery = z.object({ month: month.optional() });
/** Entrants are grouped per member, so the cursor pages by member id. */
export const raffleEntriesQuery = monthQuery.extend(pageQuery.shape);
export const leaderboardQuery = z.object({
  month: month.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
export const drawSchema = z.object({
  month,
  /** Any public value (a lottery result, a block hash); a random one is chosen if omitted. */
  seed: z.string().trim().min(1).max(200).optional(),
});

/** What `POST /v1/members/me` and `GET /v1/members/:id` return as `rewards`. Shared with the widget as a type. */
export const memberRewardsViewSchema = z
  .object({
    rule_version: z.number().int().nullable(),
    /** Money the member earned, per currency: on hold, approved (payable), paid, and earned = approved + paid. */
    totals: z.array(
      z.object({
        currency: z.string(),
        pending: z.number().int(),
        approved: z.number().int(),
        paid: z.number().int(),
        earned: z.number().int(),
      }),
    ),
    free_months: z.object({ pending: z.number().int(), earned: z.number().int() }),
    /** The member's current stacking discount (0 when the program has none). */
    discount_percent: z.number(),
    next_milestone: z
      .object({
        rule_id: z.string(),
        description: z.string().nullable(),
        trigger: z.enum(REWARD_TRIGGERS),
        at: z.number().int(),
        current: z.number().int(),
        remaining: z.number().int(),
      })
      .nullable(),
    raffle: z.object({ month: z.string(), entries: z.number().int() }).nullable(),
    recent: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(REWARD_KINDS),
        amount: z.number().int(),
        currency: z.string().nullable(),
        description: z.string().nullable(),
        state: z.enum(REWARD_STATES),
        available_at: timestamp,
        created_at: timestamp,
      }),
    ),
  })
  .meta({ id: "MemberRewards", description: "Amounts in minor units of their currency (cents)." });
export type MemberRewardsView = z.infer<typeof memberRewardsViewSchema>;

/** One ledger entry as the secret-key API shows it. */
export const rewardViewSchema = z
  .object({
    id: z.string(),
    member_id: z.string(),
    referral_id: z.string(),
    event_id: z.string(),
    recipient: z.enum(RECIPIENTS),
    kind: z.enum(REWARD_KINDS),
    amount: z.number().int().meta({ description: "Minor units for money kinds, months, percent points or a count." }),
    currency: z.string().nullable(),
    description: z.string().nullable(),
    rule: z.object({ id: z.string(), version: z.number().int() }),
    state: z.enum(REWARD_STATES),
    auto_approve: z.boolean(),
    while_active: z.boolean(),
    awaiting_qualification: z.boolean(),
    clawback_of: z.string().nullable(),
    available_at: timestamp,
    created_at: timestamp,
    approved_at: timestamp.nullable(),
    paid_at: timestamp.nullable(),
    payout_id: z.string().nullable(),
    voided_at: timestamp.nullable(),
    void_reason: z.string().nullable(),
    take_back_reason: z.string().nullable().meta({
      description:
        "Set when a take-back (a refund, a rejection, a recomputed milestone) reached the reward while a payout held it: the payout settles it, with a clawback once paid or a void if it fails.",
    }),
    experiment_variant_id: z.string().nullable().meta({
      description: "The experiment variant whose rules earned it; null when the program's own rules did.",
    }),
  })
  .meta({ id: "Reward" });

export const SKIP_REASONS = [
  "not_found",
  "on_hold",
  "already_approved",
  "already_paid",
  "voided",
  "not_approved",
  "in_review",
  "awaiting_qualification",
  "member_suspended",
  "referral_closed",
  "in_payout",
] as const;
export const skippedSchema = z.object({ id: z.string(), reason: z.enum(SKIP_REASONS) });

export const rewardResponseSchema = z.object({ reward: rewardViewSchema });
export const approveResponseSchema = z.object({ approved: z.array(rewardViewSchema), skipped: z.array(skippedSchema) });
export const payoutResponseSchema = z.object({
  payout: z.object({
    id: z.string(),
    reference: z.string(),
    reward_count: z.number().int(),
    totals: z.record(z.string(), z.number().int()).meta({ description: "Paid per currency, in minor units." }),
  }),
  paid: z.array(rewardViewSchema),
  skipped: z.array(skippedSchema),
});

/** The rules as stored, with their version (0 and the defaults when none were saved). */
export const rulesetViewSchema = rulesetSchema
  .extend({
    program_id: z.string(),
    version: z.number().int(),
    created_at: timestamp.nullable(),
  })
  .meta({ id: "RewardRules" });
export const rulesResponseSchema = z.object({ rules: rulesetViewSchema });

export const raffleEntrantSchema = z.object({ member_id: z.string(), entries: z.number().int() });
export const raffleEntriesResponseSchema = z.object({
  month: z.string(),
  total_entries: z.number().int(),
  entrants: z.array(raffleEntrantSchema),
  next_cursor: z.string().nullable(),
});
export const drawViewSchema = z
  .object({
    month: z.string(),
    seed: z.string(),
    algorithm: z.string(),
    entrants: z.array(raffleEntrantSchema),
    total_entries: z.number().int(),
    ticket: z.number().int(),
    winner: z.object({ member_id: z.string() }),
    created_at: timestamp,
  })
  .meta({ id: "RaffleDraw" });

export const leaderboardResponseSchema = z.object({
  month: z.string(),
  data: z.array(
    z.object({
      rank: z.number().int(),
      member_id: z.string(),
      name: z.string().nullable(),
      code: z.string(),
      successful_referrals: z.number().int(),
    }),
  ),
});

export const memberDiscountSchema = z.object({
  member_id: z.string(),
  discount_percent: z.number(),
  active_referrals: z.number().int(),
  stacking: rulesetSchema.shape.stacking_discount.unwrap().nullable(),
  rule_version: z.number().int().nullable(),
});

export const rewardParams = idParams("reward", "rwd_2Zp8Lq4Xn7Vb3Kw9");
export const ruleVersionParams = z.object({
  version: z.string().meta({ description: "A saved version number.", example: "1" }),
});
export const drawParams = z.object({
  month: z.string().meta({ description: "The drawn month, `YYYY-MM`.", example: "2026-01" }),
});
