import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { defineListRoute, defineRoute } from "../lib/openapi";
import {
  conversionBodyExample,
  earnedRewardExample,
  eventExample,
  referralExample,
  reviewExample,
} from "../openapi/examples";
import { planConversion } from "./conversions";
import {
  conversionResponseSchema,
  conversionSchema,
  listReferralsQuery,
  referralDetailSchema,
  referralParams,
  referralViewSchema,
  statusChangeResponseSchema,
  updateReferralSchema,
} from "./schema";
import { listReferrals, referralDetail, referralView } from "./service";
import { planStatusChange } from "./status-change";

export const conversionRoutes = router();

const converted = {
  schema: conversionResponseSchema,
  example: { referral: referralExample, events: [eventExample], rewards: [earnedRewardExample], changed: true },
};

defineRoute(
  conversionRoutes,
  {
    method: "post",
    path: "/",
    operationId: "recordConversion",
    tag: "referrals",
    summary: "Record a qualified lead or a conversion",
    description:
      "Your server (or billing webhook) reports that a customer qualified or paid. The referral is found by `external_customer_id`, then `email`; a customer nobody referred yet is attributed by `click_id` or `code`. A conversion for a referral already at or past the status changes nothing (`changed: false`), so retried webhooks are harmless; send an `Idempotency-Key` anyway.",
    auth: "secret",
    idempotent: true,
    body: conversionSchema,
    bodyExample: conversionBodyExample,
    responses: {
      200: { description: "The referral moved (or already was there: `changed: false`).", ...converted },
      201: { description: "A new referral, attributed by click id or code, and its events.", ...converted },
    },
    errors: [
      "no_attribution",
      "attribution_expired",
      "unknown_click",
      "unknown_code",
      "member_not_found",
      "self_referral",
      "invalid_transition",
      "referral_blocked",
    ],
  },
  async (c, { body }) =>
    runIdempotent(c, (reader) =>
      planConversion(c.env.DB, c.get("program"), body, reader, c.req.header("idempotency-key")),
    ),
);

export const referralRoutes = router();

defineListRoute(
  referralRoutes,
  {
    path: "/",
    operationId: "listReferrals",
    tag: "referrals",
    summary: "List referrals, newest first",
    query: listReferralsQuery,
    item: referralViewSchema,
    example: referralExample,
  },
  (c, query) => listReferrals(c.env.DB, c.get("program").id, query),
  referralView,
);

defineRoute(
  referralRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getReferral",
    tag: "referrals",
    summary: "One referral with its status history, fraud reviews and audit trail",
    auth: "secret",
    params: referralParams,
    responses: {
      200: {
        description: "The referral and its history.",
        schema: referralDetailSchema,
        example: { referral: referralExample, events: [eventExample], reviews: [reviewExample], audit: [] },
      },
    },
    errors: ["referral_not_found"],
  },
  async (c, { params }) => c.json(await referralDetail(c.env.DB, c.get("program").id, params.id)),
);

/** Status changes from the vendor: qualified, converted, renewed (each renewal), lost (churn), refunded. */
defineRoute(
  referralRoutes,
  {
    method: "patch",
    path: "/{id}",
    operationId: "updateReferralStatus",
    tag: "referrals",
    summary: "Move a referral to a new status",
    description:
      "`qualified`, `converted`, `renewed` (each renewal: send its `invoice_id` or an Idempotency-Key, so a retry is not a second renewal), `lost` (churn) or `refunded`. The rewards each step earns are written with it, in one transaction.",
    auth: "secret",
    idempotent: true,
    params: referralParams,
    body: updateReferralSchema,
    bodyExample: { status: "renewed", value_cents: 9_900, currency: "USD", invoice_id: "in_1Q2x7" },
    responses: {
      200: {
        description: "The referral and the events this request wrote.",
        schema: statusChangeResponseSchema,
        example: {
          referral: { ...referralExample, status: "renewed" },
          events: [{ ...eventExample, seq: 3, from: "converted", to: "renewed" }],
          rewards: [{ ...earnedRewardExample, amount: 990, description: "10% of each renewal" }],
        },
      },
    },
    errors: ["referral_not_found", "invalid_transition", "referral_blocked", "idempotency_key_required"],
  },
  async (c, { params, body }) => {
    const { invoice_id, ...input } = body;
    const invoiceKey = invoice_id ? `invoice:${invoice_id}` : undefined;
    const idempotencyKey = c.req.header("idempotency-key");
    // Each renewal pays again, so a retried billing webhook must never count twice: say which invoice it is.
    if (input.status === "renewed" && !idempotencyKey && !invoiceKey) {
      throw new ApiError(
        "idempotency_key_required",
        "A renewal pays again each time: send the invoice id as `invoice_id` (or an Idempotency-Key header) so a retry is not a second renewal.",
      );
    }
    return runIdempotent(
      c,
      (reader) => planStatusChange(c.env.DB, c.get("program"), params.id, input, reader, invoiceKey ?? idempotencyKey),
      invoiceKey,
    );
  },
);
