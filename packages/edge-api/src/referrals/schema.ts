import { z } from "zod";
import { reviewViewSchema } from "../fraud/schema";
import { pageQuery } from "../lib/pagination";
import { currency, email, idParams, timestamp } from "../lib/validate";
import { REFERRAL_STATUSES } from "./status";

const money = z.number().int().min(0).max(1_000_000_000_00);

export const conversionSchema = z
  .object({
    email: email.optional(),
    external_customer_id: z.string().trim().min(1).max(200).optional(),
    click_id: z.string().max(80).optional(),
    code: z.string().trim().min(1).max(64).optional(),
    name: z.string().trim().max(200).optional(),
    company: z.string().trim().max(200).optional(),
    status: z.enum(["qualified", "converted"]).default("converted"),
    plan: z.string().trim().max(100).optional(),
    value_cents: money.optional(),
    currency: currency.optional(),
    if_unattributed: z.enum(["error", "ignore"]).default("error").meta({
      description:
        "`ignore` lets a billing hook send every payment: a customer nobody referred answers 200 with `referral: null` instead of `no_attribution`.",
    }),
  })
  .refine((v) => v.email || v.external_customer_id, {
    message: "Send the customer's email or external_customer_id",
    path: ["email"],
  })
  .refine((v) => v.value_cents === undefined || v.currency !== undefined, {
    message: "value_cents needs a currency",
    path: ["currency"],
  });
export type ConversionInput = z.infer<typeof conversionSchema>;

export const updateReferralSchema = z
  .object({
    status: z.enum(REFERRAL_STATUSES),
    plan: z.string().trim().max(100).optional(),
    value_cents: money.optional(),
    currency: currency.optional(),
    reason: z.string().trim().max(500).optional(),
    /** The billing system's invoice id: a retried renewal with the same invoice is the same renewal. */
    invoice_id: z.string().trim().min(1).max(200).optional(),
  })
  .refine((v) => v.value_cents === undefined || v.currency !== undefined, {
    message: "value_cents needs a currency",
    path: ["currency"],
  });

export const listReferralsQuery = z.object({
  status: z.enum(REFERRAL_STATUSES).optional(),
  member_id: z.string().max(40).optional(),
  /** The friend's address, any spelling of it (case, +tag, Gmail dots). */
  email: z.string().trim().max(254).optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "Search the friend's email, name and company, and your customer id." }),
  ...pageQuery.shape,
});
export type ListReferralsQuery = z.infer<typeof listReferralsQuery>;
export type UpdateReferralInput = z.infer<typeof updateReferralSchema>;

export const referralViewSchema = z
  .object({
    id: z.string(),
    member_id: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    source: z.string().meta({ description: "`form` (sign-up form), `peer` (the widget's peer form) or `server`." }),
    click_id: z.string().nullable(),
    campaign: z.string().nullable(),
    friend: z.object({
      email: z.string(),
      name: z.string().nullable(),
      company: z.string().nullable(),
      role: z.string().nullable(),
      company_size: z.string().nullable(),
    }),
    external_customer_id: z.string().nullable(),
    plan: z.string().nullable(),
    value_cents: z.number().int().nullable(),
    currency: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Referral" });
export type ReferralView = z.infer<typeof referralViewSchema>;

export const eventViewSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    from: z.enum(REFERRAL_STATUSES).nullable(),
    to: z.enum(REFERRAL_STATUSES),
    value_cents: z.number().int().nullable(),
    currency: z.string().nullable(),
    plan: z.string().nullable(),
    reason: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: "ReferralEvent" });

export const auditEntrySchema = z.object({
  id: z.string(),
  action: z.string(),
  actor: z.string(),
  referral_id: z.string().nullable(),
  member_id: z.string().nullable(),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
  created_at: timestamp,
});

export const referralDetailSchema = z.object({
  referral: referralViewSchema,
  events: z.array(eventViewSchema),
  reviews: z.array(reviewViewSchema),
  audit: z.array(auditEntrySchema),
});

/** A reward a status change earned, as the change's answer lists it (the ledger has the full row). */
export const earnedRewardSchema = z.object({
  id: z.string(),
  recipient: z.enum(["member", "friend"]),
  rule_id: z.string(),
  kind: z.string(),
  amount: z.number().int().meta({ description: "Minor units for money; negative for a clawback." }),
  currency: z.string().nullable(),
  state: z.string().meta({ description: "pending (hold, qualification), approved or in_review." }),
  description: z.string().nullable(),
});
export type EarnedReward = z.infer<typeof earnedRewardSchema>;

export const statusChangeResponseSchema = z.object({
  referral: referralViewSchema,
  events: z.array(eventViewSchema).meta({ description: "The events this request wrote." }),
  rewards: z.array(earnedRewardSchema).meta({ description: "The rewards these events earned (or took back)." }),
});

export const conversionResponseSchema = statusChangeResponseSchema.extend({
  referral: referralViewSchema
    .nullable()
    .meta({ description: 'null only with `if_unattributed: "ignore"` for a customer nobody referred.' }),
  changed: z
    .boolean()
    .meta({ description: "False when the referral already was at (or past) this status: nothing was written." }),
});

export const referralParams = idParams("referral", "ref_5Tn2Qw8Lp3Xz7Vb4");
