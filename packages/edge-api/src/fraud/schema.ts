import { z } from "zod";
import { pageQuery } from "../lib/pagination";
import { idParams, timestamp } from "../lib/validate";

/**
 * The fraud engine's rules per program. Each has an action:
 * - `allow`: the signal is ignored;
 * - `flag`: the referral counts, but its rewards wait `in_review` until an admin approves or rejects it;
 * - `block`: the lead is not recorded (the browser gets the same answer as for any lead), or a conversion
 *   from the vendor's server is refused with `referral_blocked` and every reason.
 * The defaults are what a vendor can run without tuning; README "Fraud rules" says what each one catches.
 */
export const FRAUD_ACTIONS = ["allow", "flag", "block"] as const;
export type FraudAction = (typeof FRAUD_ACTIONS)[number];

const action = z.enum(FRAUD_ACTIONS);
const rule = <T extends z.ZodRawShape>(defaultAction: FraudAction, shape: T) =>
  z
    .object({ action: action.default(defaultAction), ...shape })
    .strict()
    .prefault({} as never);

export const fraudRulesSchema = z
  .object({
    /** The friend is the member: any address the member was seen with (aliases too), or their company domain when the program blocks same-domain referrals. */
    self_referral: rule("block", {}),
    /** The friend's address is at a throwaway-mail provider (mailchecker's maintained list). */
    disposable_email: rule("flag", {}),
    /** The friend's address is a role, not a person (info@, sales@, …; Mixmax's list). B2B teams use these, so allowed by default. */
    role_email: rule("allow", {}),
    /** The friend's browser is the member's own: the same daily visitor hash (address + user agent) as the member's widget. */
    same_visitor: rule("flag", {}),
    /** One member brings more than `max_per_hour` leads in an hour. */
    member_velocity: rule("flag", { max_per_hour: z.number().int().min(1).max(10_000).default(10) }),
    /** The hard cap on leads per member per rolling day. */
    daily_lead_cap: rule("block", { max_per_day: z.number().int().min(1).max(100_000).default(50) }),
    /** More than `max_per_day` leads from one visitor (browser + network) in a day, whoever the member. */
    visitor_velocity: rule("flag", { max_per_day: z.number().int().min(1).max(10_000).default(3) }),
    /** A conversion's value or plan is outside what the program sells. No bounds by default. */
    conversion_bounds: rule("flag", {
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/)
        .transform((v) => v.toUpperCase())
        .optional(),
      min_value_cents: z.number().int().min(0).optional(),
      max_value_cents: z.number().int().min(0).optional(),
      plans: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
    }),
    /** A conversion names a different member (by click id or code) than the lead it matches: lead squatting. */
    attribution_conflict: rule("flag", {}),
  })
  .strict()
  .prefault({});

export type FraudRules = z.infer<typeof fraudRulesSchema>;
export type FraudRuleName = keyof FraudRules;

/** A PATCH names only the rules and fields it changes: they are merged into the stored rules, then validated whole. */
export const fraudRulesPatchSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

export function mergeFraudRules(current: FraudRules, patch: Record<string, Record<string, unknown>>): unknown {
  const merged: Record<string, unknown> = { ...current };
  for (const [name, fields] of Object.entries(patch)) {
    merged[name] = { ...((current as Record<string, object>)[name] ?? {}), ...fields };
  }
  return merged;
}

export function parseFraudRules(json: string | null | undefined): FraudRules {
  let value: unknown = {};
  try {
    value = JSON.parse(json || "{}");
  } catch {
    // A broken row means the defaults, never no checks.
  }
  const parsed = fraudRulesSchema.safeParse(value);
  return parsed.success ? parsed.data : fraudRulesSchema.parse({});
}

export const reviewDecisionSchema = z.object({
  reason: z.string().trim().min(1).max(500),
  /**
   * The review's `updated_at` as you read it: if a rule added a reason since, the decision is refused with
   * `review_changed`, so you never approve what you have not seen.
   */
  expected_updated_at: timestamp.optional(),
});

export const REVIEW_STATUSES = ["open", "approved", "rejected", "blocked"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const listReviewsQuery = z.object({
  status: z.enum(REVIEW_STATUSES).optional(),
  member_id: z.string().max(40).optional(),
  referral_id: z.string().max(40).optional(),
  ...pageQuery.shape,
});

/** One reason a rule gave, with what it saw. The vendor sees all of it; the member never does. */
export interface FraudSignal {
  rule: FraudRuleName;
  action: Exclude<FraudAction, "allow">;
  message: string;
  evidence: Record<string, unknown>;
}

export const fraudSignalSchema = z.object({
  rule: z.enum(Object.keys(fraudRulesSchema.unwrap().shape) as [FraudRuleName, ...FraudRuleName[]]),
  action: z.enum(["flag", "block"]),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

/** What the vendor sees of a review: every reason with its evidence. Never shown to the member. */
export const reviewViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(REVIEW_STATUSES),
    referral_id: z.string().nullable(),
    member_id: z.string().nullable(),
    friend_email: z.string().nullable().meta({
      description: "The friend's address: the flagged referral's, or the blocked lead's (which has no referral).",
    }),
    reasons: z.array(fraudSignalSchema),
    created_at: timestamp,
    updated_at: timestamp,
    decided_at: timestamp.nullable(),
    decided_by: z.string().nullable(),
    decision_reason: z.string().nullable(),
  })
  .meta({ id: "Review" });

export const reviewParams = idParams("review", "rev_9Lp4Xq2Zn7Vb3Kw5");
