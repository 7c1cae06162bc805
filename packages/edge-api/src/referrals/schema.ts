import { z } from "zod";
import { pageQuery } from "../lib/pagination";
import { currency, email } from "../lib/validate";
import { REFERRAL_STATUSES } from "./status";

const money = z.number().int().min(0).max(1_000_000_000_00);

export const conversionSchema = z
  .object({
    email: email.optional(),
    external_customer_id: z.string().trim().min(1).max(200).optional(),
    click_id: z.string().max(40).optional(),
    code: z.string().trim().min(1).max(64).optional(),
    name: z.string().trim().max(200).optional(),
    company: z.string().trim().max(200).optional(),
    status: z.enum(["qualified", "converted"]).default("converted"),
    plan: z.string().trim().max(100).optional(),
    value_cents: money.optional(),
    currency: currency.optional(),
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
  ...pageQuery.shape,
});
export type ListReferralsQuery = z.infer<typeof listReferralsQuery>;
export type UpdateReferralInput = z.infer<typeof updateReferralSchema>;
