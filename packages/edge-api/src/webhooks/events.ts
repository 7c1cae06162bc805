import { z } from "zod";
import { type ReviewRow, reviewView } from "../fraud/reviews";
import { reviewViewSchema } from "../fraud/schema";
import { iso } from "../lib/time";
import { serverMemberSchema } from "../members/schema";
import { type MemberRow, toServerMemberView } from "../members/service";
import { eventExample, referralExample, reviewExample, rewardExample, serverMemberExample } from "../openapi/examples";
import type { Program } from "../programs/service";
import { eventViewSchema, referralViewSchema } from "../referrals/schema";
import { type EventRow, eventView, type ReferralRow, referralView } from "../referrals/service";
import { type RewardRow, rewardView } from "../rewards/ledger";
import { rewardViewSchema } from "../rewards/schema";

/**
 * Outbound webhook events. Each is written by a trigger (migrations/0007_webhooks.sql) in the transaction of
 * the change it announces, as a snapshot of the rows; the first delivery turns the snapshot into this body
 * with the same views the API answers with, so a webhook's `data.reward` is exactly `GET /v1/rewards/{id}` as
 * it was at that moment. Every event is registered here and documented in `/v1/openapi.json` (`webhooks`).
 */

/** The member as a webhook carries it: the API's view without `short_link` (the API's own origin). */
const webhookMemberSchema = serverMemberSchema.omit({ short_link: true });

interface Snapshot {
  member?: MemberRow;
  referral?: ReferralRow;
  event?: EventRow;
  reward?: RewardRow;
  review?: ReviewRow;
}

/** How one event type's data is described, exemplified and built from its snapshot. */
interface EventSpec<S extends z.ZodType> {
  type: string;
  summary: string;
  description: string;
  data: S;
  example: z.input<S>;
  build(snapshot: Snapshot, program: Program): z.input<S>;
}

function spec<S extends z.ZodType>(s: EventSpec<S>): EventSpec<S> {
  return s;
}

/** The snapshot's row, which the trigger always writes for this event type. */
function row<K extends keyof Snapshot>(snapshot: Snapshot, key: K): NonNullable<Snapshot[K]> {
  const value = snapshot[key];
  if (!value) throw new Error(`webhook snapshot without ${key}`);
  return value as NonNullable<Snapshot[K]>;
}

function memberData(program: Program, member: MemberRow) {
  const { short_link: _apiOrigin, ...view } = toServerMemberView(program, member, "https://unused.invalid");
  return view;
}

const rewardEvent = (state: "created" | "approved" | "paid" | "voided", summary: string, description: string) =>
  spec({
    type: `reward.${state}`,
    summary,
    description,
    data: z.object({ reward: rewardViewSchema }),
    example: {
      reward:
        state === "created"
          ? { ...rewardExample, state: "pending", approved_at: null }
          : state === "approved"
            ? { ...rewardExample, state: "approved", approved_at: rewardExample.available_at }
            : state === "paid"
              ? {
                  ...rewardExample,
                  state: "paid",
                  approved_at: rewardExample.available_at,
                  paid_at: rewardExample.available_at,
                  payout_id: "pay_3Kd8Wn2Lq5Xz9Vb1",
                }
              : {
                  ...rewardExample,
                  state: "voided",
                  voided_at: rewardExample.created_at,
                  void_reason: "The customer was refunded.",
                },
    },
    build: (s) => ({ reward: rewardView(row(s, "reward")) }),
  });

export const EVENT_SPECS = [
  spec({
    type: "member.created",
    summary: "A customer joined the program",
    description: "A member was enrolled: by the widget (a signed identity) or by your server.",
    data: z.object({ member: webhookMemberSchema }),
    example: { member: (({ short_link: _s, ...m }) => m)(serverMemberExample) },
    build: (s, program) => ({ member: memberData(program, row(s, "member")) }),
  }),
  spec({
    type: "referral.created",
    summary: "A member referred someone",
    description:
      "A referral exists: a lead from your sign-up form or the widget's peer form, or a conversion from your server or Stripe for a customer nobody reported before (then `referral.status` is already past `lead`, and a `referral.status_changed` follows).",
    data: z.object({ referral: referralViewSchema }),
    example: { referral: { ...referralExample, status: "lead" } },
    build: (s) => ({ referral: referralView(row(s, "referral")) }),
  }),
  spec({
    type: "referral.status_changed",
    summary: "A referral moved along the funnel",
    description:
      "One event per status step: `qualified`, `converted`, each `renewed`, `lost` (churn) or `refunded`. `from` is null for a referral created at this status. `referral` is the referral once the whole change was written.",
    data: z.object({
      from: z.enum(["lead", "qualified", "converted", "renewed", "lost", "refunded"]).nullable(),
      to: z.enum(["lead", "qualified", "converted", "renewed", "lost", "refunded"]),
      referral: referralViewSchema,
      event: eventViewSchema,
    }),
    example: { from: "lead", to: "converted", referral: referralExample, event: eventExample },
    build: (s) => {
      const event = row(s, "event");
      return {
        from: event.from_status,
        to: event.to_status,
        referral: referralView(row(s, "referral")),
        event: eventView(event),
      };
    },
  }),
  rewardEvent(
    "created",
    "A reward was earned",
    "A ledger entry was written: usually `pending` (its hold), `in_review` (the fraud engine flagged its referral) or already `approved` (no hold: `reward.approved` follows). A negative amount is a clawback of a paid reward.",
  ),
  rewardEvent(
    "approved",
    "A reward can be paid",
    "Its hold ended (or you approved it): fulfil it now, e.g. credit the member's account, then mark it paid (`POST /v1/rewards/pay`).",
  ),
  rewardEvent("paid", "A reward was paid", "It was marked paid, with the payout it belongs to."),
  rewardEvent(
    "voided",
    "A reward was cancelled",
    "Its referral was refunded, lost inside the hold, or rejected in review; `reward.void_reason` says which.",
  ),
  spec({
    type: "review.flagged",
    summary: "The fraud engine wants a human",
    description:
      "A referral (status `open`: its rewards wait in review) or a lead (status `blocked`: it was refused) tripped a fraud rule. Decide with `POST /v1/reviews/{id}/approve` or `/reject`.",
    data: z.object({ review: reviewViewSchema }),
    example: { review: reviewExample },
    build: (s) => ({ review: reviewView(row(s, "review")) }),
  }),
] as const;

export const WEBHOOK_EVENT_TYPES = EVENT_SPECS.map((e) => e.type);
export type WebhookEventType = (typeof EVENT_SPECS)[number]["type"];
/** What a test delivery carries (`POST /v1/webhook-endpoints/{id}/test`): never fanned out to subscriptions. */
export const TEST_EVENT_TYPE = "webhook.test";

/** The body every delivery carries: the Standard Webhooks payload structure. */
function envelope<S extends z.ZodType>(type: string, data: S) {
  return z.object({
    type: z.literal(type),
    timestamp: z.iso.datetime().meta({ description: "When the change happened (not when it was sent)." }),
    data,
  });
}

/** One entry of the document's `webhooks` section per event type. */
export interface WebhookEvent {
  type: string;
  summary: string;
  description: string;
  payload: z.ZodType;
  example: unknown;
}

const HEADERS_NOTE =
  "Signed per Standard Webhooks: verify `webhook-id`, `webhook-timestamp` and `webhook-signature` with your endpoint's `whsec_…` secret (`@vouch/node`'s `verifyWebhook`, or the `standardwebhooks` library in any language). The same event always carries the same `webhook-id`: de-duplicate on it. Answer any 2xx within 15 s; anything else is retried for more than 3 days.";

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  ...EVENT_SPECS.map((e) => ({
    type: e.type,
    summary: e.summary,
    description: `${e.description}\n\n${HEADERS_NOTE}`,
    payload: envelope(e.type, e.data),
    example: { type: e.type, timestamp: "2026-11-30T12:00:00.000Z", data: e.example },
  })),
  {
    type: TEST_EVENT_TYPE,
    summary: "A test delivery",
    description: `Sent by \`POST /v1/webhook-endpoints/{id}/test\` to check your endpoint, whatever it subscribes to.\n\n${HEADERS_NOTE}`,
    payload: envelope(TEST_EVENT_TYPE, z.object({ endpoint_id: z.string(), message: z.string() })),
    example: {
      type: TEST_EVENT_TYPE,
      timestamp: "2026-11-30T12:00:00.000Z",
      data: { endpoint_id: "whe_4Tn8Qw2Lp6Xz3Vb9", message: "This is a test delivery from Vouch." },
    },
  },
];

/**
 * The body of an event, built once from the trigger's snapshot and then stored: every attempt and replay sends
 * these exact bytes. Validated against the documented schema, so a webhook cannot drift from its documentation.
 */
export function buildPayload(event: { type: string; snapshot: string; created_at: number }, program: Program): string {
  const snapshot = JSON.parse(event.snapshot) as Snapshot & { endpoint_id?: string; message?: string };
  if (event.type === TEST_EVENT_TYPE) {
    return JSON.stringify({ type: event.type, timestamp: iso(event.created_at), data: snapshot });
  }
  const found = EVENT_SPECS.find((e) => e.type === event.type);
  if (!found) throw new Error(`unknown webhook event type ${event.type}`);
  const data = (found.data as z.ZodType).parse(found.build(snapshot, program));
  return JSON.stringify({ type: event.type, timestamp: iso(event.created_at), data });
}
