/**
 * Request and answer shapes of the calls the helpers make, written by hand until the client generated from
 * the API's OpenAPI document replaces them (see README, "The typed client").
 */

/** `POST /v1/conversions`: the customer (email or your id) and, if the SDK should attribute, the click or code. */
export interface ConversionInput {
  email?: string;
  external_customer_id?: string;
  /** The tracker's click id (`vouch_click_id` in your sign-up form, or the `vouch_ref` cookie). */
  click_id?: string;
  /** The member's referral code. */
  code?: string;
  name?: string;
  company?: string;
  /** Default `converted`. */
  status?: "qualified" | "converted";
  plan?: string;
  /** The deal value in minor units (cents), with its `currency`. */
  value_cents?: number;
  currency?: string;
}

export type ReferralStatus = "lead" | "qualified" | "converted" | "renewed" | "lost" | "refunded" | "rejected";

/** A referral as the API shows it to your server. */
export interface Referral {
  id: string;
  member_id: string;
  status: ReferralStatus;
  source: string;
  click_id: string | null;
  campaign: string | null;
  friend: {
    email: string | null;
    name: string | null;
    company: string | null;
    role: string | null;
    company_size: string | null;
  };
  external_customer_id: string | null;
  plan: string | null;
  value_cents: number | null;
  currency: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReferralEvent {
  id: string;
  seq: number;
  from: string | null;
  to: string;
  value_cents: number | null;
  currency: string | null;
  plan: string | null;
  reason: string | null;
  idempotency_key: string | null;
  created_at: string;
}

export interface ConversionResult {
  referral: Referral;
  /** The status changes this call made (none when the referral was already there). */
  events: ReferralEvent[];
  changed: boolean;
}

/** `PATCH /v1/referrals/:id`. */
export interface ReferralUpdate {
  status: ReferralStatus;
  plan?: string;
  value_cents?: number;
  currency?: string;
  reason?: string;
  /** Your billing system's invoice id: required for `renewed` unless you pass an idempotency key. */
  invoice_id?: string;
}

export interface ReferralUpdateResult {
  referral: Referral;
  events: ReferralEvent[];
}

/** `GET /v1/members/:id/discount`: the stacking discount to apply to the member's own bill. */
export interface MemberDiscount {
  member_id: string;
  discount_percent: number;
  active_referrals: number;
  stacking: { percent_per_referral: number; max_percent: number } | null;
  rule_version: number | null;
}

/** `POST /v1/members/:id/access-link`: a One Click Access link to the member's portal, and when it stops working. */
export interface AccessLink {
  /** `<api origin>/o/<token>`: opens the member's portal (`/p/<slug>/me`) with no login. */
  url: string;
  /** ISO 8601. */
  expires_at: string;
}
