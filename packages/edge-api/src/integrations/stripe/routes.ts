import { z } from "zod";
import { router } from "../../lib/app";
import { ApiError } from "../../lib/errors";
import { defineRoute } from "../../lib/openapi";
import { STRIPE_EVENT_TYPES } from "./facts";
import {
  deleteStripeIntegration,
  receiveStripeEvent,
  STRIPE_BODY_LIMIT,
  saveStripeSecret,
  stripeStatus,
} from "./receive";
import { STRIPE_SECRET_PATTERN } from "./settings";

/** `POST /v1/integrations/stripe/{program_id}`: Stripe's webhooks, verified by their signature (no API key). */
export const stripeInRoutes = router();
/** `/v1/integrations/stripe`: the program's Stripe settings (secret key). */
export const stripeSettingsRoutes = router();

const receivedSchema = z.object({
  received: z.literal(true),
  id: z.string().meta({ description: "Stripe's event id." }),
  type: z.string(),
  customer: z.string().optional(),
  apply_after: z.iso
    .datetime()
    .optional()
    .meta({ description: "When the event is applied (it waits for its siblings)." }),
  duplicate: z.literal(true).optional().meta({ description: "Stripe sent this event before: nothing changed." }),
  ignored: z.string().optional().meta({
    description: "Why the event changes nothing (a type Vouch does not use, a test event for a live program…).",
  }),
});

defineRoute(
  stripeInRoutes,
  {
    method: "post",
    path: "/{program_id}",
    operationId: "receiveStripeEvent",
    tag: "integrations",
    summary: "Stripe's webhook endpoint for a program",
    description: [
      "Paste this URL into Stripe (Developers → Webhooks → Add endpoint) and enable these events: " +
        STRIPE_EVENT_TYPES.map((t) => `\`${t}\``).join(", ") +
        ". Authenticated by the `Stripe-Signature` header, verified with the signing secret saved by `PUT /v1/integrations/stripe`; the body is Stripe's event, exactly as sent.",
      "",
      "Each event is stored once by its id (Stripe retries for days: a retry changes nothing) and applied about 20 s later, in Stripe's order per customer. Unknown types and payments by customers nobody referred are acknowledged and change nothing.",
    ].join("\n"),
    auth: "none",
    params: z.object({
      program_id: z.string().max(64).meta({ description: "The program's id.", example: "prg_6Wm3Lq8Xp2Zn5Vb7" }),
    }),
    responses: {
      200: {
        description: "Received (or recognised as a retry, or ignored, with the reason).",
        schema: receivedSchema,
        example: {
          received: true as const,
          id: "evt_1Pgc76B7WZ01zgkWwyRHS12y",
          type: "invoice.paid",
          customer: "cus_QXg1o8vcGmoR32",
          apply_after: "2026-11-30T12:00:20.000Z",
        },
      },
    },
    errors: ["stripe_not_configured", "invalid_stripe_signature", "payload_too_large"],
  },
  async (c, { params }) => {
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > STRIPE_BODY_LIMIT) throw new ApiError("payload_too_large", "Stripe events are under 512 KiB.");
    const body = await c.req.text();
    if (body.length > STRIPE_BODY_LIMIT) throw new ApiError("payload_too_large", "Stripe events are under 512 KiB.");
    const received = await receiveStripeEvent(c.env.DB, params.program_id, body, c.req.header("stripe-signature"));
    if ("apply_after" in received && (c.env.WEBHOOK_DISPATCH as string) !== "manual") {
      // Applied once it has settled: Stripe's related events arrive within seconds of each other, in any order.
      c.executionCtx.waitUntil(
        c.env.STRIPE_EVENTS.send(
          { program_id: params.program_id, customer: received.customer },
          { delaySeconds: 25 },
        ).catch((err: unknown) => console.error("stripe apply not queued; the cron will apply it", String(err))),
      );
    }
    return c.json(received);
  },
);

const statusSchema = z.object({
  configured: z.boolean(),
  webhook_url: z.string().meta({ description: "The URL to paste into Stripe." }),
  events: z.array(z.string()).meta({ description: "The event types to enable in Stripe." }),
  updated_at: z.iso.datetime().nullable(),
  received: z.number().int(),
  waiting: z.number().int().meta({ description: "Received, not applied yet (they settle for about 20 s)." }),
  unattributed: z.number().int().meta({ description: "Payments by customers nobody referred (so far)." }),
  last_received_at: z.iso.datetime().nullable(),
  recent: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      customer: z.string(),
      received_at: z.iso.datetime(),
      applied_at: z.iso.datetime().nullable(),
      outcome: z
        .string()
        .nullable()
        .meta({ description: "What applying it did: `converted: ref_…`, `unattributed`, `ignored: …`, `refused: …`." }),
      referral_id: z.string().nullable(),
    }),
  ),
});
const statusExample = {
  configured: true,
  webhook_url: "https://vouch-api.acme.workers.dev/v1/integrations/stripe/prg_6Wm3Lq8Xp2Zn5Vb7",
  events: [...STRIPE_EVENT_TYPES],
  updated_at: "2026-11-30T12:00:00.000Z",
  received: 1,
  waiting: 0,
  unattributed: 0,
  last_received_at: "2026-11-30T12:05:00.000Z",
  recent: [
    {
      id: "evt_1Pgc76B7WZ01zgkWwyRHS12y",
      type: "invoice.paid",
      customer: "cus_QXg1o8vcGmoR32",
      received_at: "2026-11-30T12:05:00.000Z",
      applied_at: "2026-11-30T12:05:21.000Z",
      outcome: "converted: ref_5Tn2Qw8Lp3Xz7Vb4",
      referral_id: "ref_5Tn2Qw8Lp3Xz7Vb4",
    },
  ],
};

defineRoute(
  stripeSettingsRoutes,
  {
    method: "put",
    path: "/",
    operationId: "saveStripeIntegration",
    tag: "integrations",
    summary: "Connect Stripe: save its webhook signing secret",
    description:
      "The `whsec_…` secret Stripe shows for the endpoint you added with `webhook_url`. Saving it again replaces it (when Stripe rolls the secret, it signs with both for a while).",
    auth: "secret",
    body: z.object({
      webhook_secret: z.string().trim().regex(STRIPE_SECRET_PATTERN, "Stripe's signing secrets start with whsec_"),
    }),
    bodyExample: { webhook_secret: "whsec_5yBq4W8nLkZ2pQx7Vt3Rm9Hd6Jf1Gc0A" },
    responses: { 200: { description: "Connected.", schema: statusSchema, example: statusExample } },
    errors: [],
  },
  async (c, { body }) => {
    const program = c.get("program");
    await saveStripeSecret(c.env.DB, program.id, body.webhook_secret, c.get("keyId"));
    return c.json(await stripeStatus(c.env.DB, program.id, new URL(c.req.url).origin));
  },
);

defineRoute(
  stripeSettingsRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getStripeIntegration",
    tag: "integrations",
    summary: "Stripe: the URL to paste, the events to enable, and what arrived lately",
    auth: "secret",
    responses: { 200: { description: "The integration's state.", schema: statusSchema, example: statusExample } },
    errors: [],
  },
  async (c) => c.json(await stripeStatus(c.env.DB, c.get("program").id, new URL(c.req.url).origin)),
);

defineRoute(
  stripeSettingsRoutes,
  {
    method: "delete",
    path: "/",
    operationId: "deleteStripeIntegration",
    tag: "integrations",
    summary: "Disconnect Stripe",
    description:
      "Forgets the signing secret: Stripe's deliveries are refused (`stripe_not_configured`) until it is saved again.",
    auth: "secret",
    responses: {
      200: {
        description: "Disconnected.",
        schema: z.object({ deleted: z.literal(true) }),
        example: { deleted: true as const },
      },
    },
    errors: [],
  },
  async (c) => {
    await deleteStripeIntegration(c.env.DB, c.get("program").id, c.get("keyId"));
    return c.json({ deleted: true as const });
  },
);
