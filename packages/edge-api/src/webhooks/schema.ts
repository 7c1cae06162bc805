import { z } from "zod";
import { pageQuery } from "../lib/pagination";
import { idParams, timestamp } from "../lib/validate";
import { WEBHOOK_EVENT_TYPES } from "./events";

const eventTypes = z
  .array(z.enum(["*", ...WEBHOOK_EVENT_TYPES] as [string, ...string[]]))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length + 1)
  .transform((types) => (types.includes("*") ? ["*"] : [...new Set(types)]))
  .meta({ description: 'The event types to send, or `["*"]` for every type (also those added later).' });

const url = z.string().trim().min(1).max(2048).meta({
  description: "https, to a public host. A test-mode program may also use http://localhost (a local receiver).",
});

export const createEndpointSchema = z.object({
  url,
  description: z.string().trim().max(200).optional(),
  events: eventTypes.default(["*"]),
});

export const updateEndpointSchema = z
  .object({
    url: url.optional(),
    description: z.string().trim().max(200).optional(),
    events: eventTypes.optional(),
    enabled: z.boolean().optional().meta({
      description: "false pauses deliveries (they are cancelled); true resumes a disabled endpoint afresh.",
    }),
  })
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change");

export const rotateEndpointSecretSchema = z.object({
  grace_hours: z.number().int().min(0).max(168).default(24).meta({
    description: "Hours the old secret keeps signing too (each delivery carries both signatures); 0 retires it now.",
  }),
});

export const endpointViewSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    status: z.enum(["enabled", "disabled"]),
    disabled_reason: z.string().nullable(),
    failing_since: timestamp.nullable().meta({ description: "The first failure since the last success." }),
    previous_secret_expires_at: timestamp
      .nullable()
      .meta({ description: "While rotating: when the old secret stops signing." }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "WebhookEndpoint" });

export const endpointSecretSchema = z.string().meta({
  description: "The `whsec_…` signing secret: give it to `verifyWebhook` (or any Standard Webhooks library).",
});

export const endpointParams = idParams("webhook endpoint", "whe_4Tn8Qw2Lp6Xz3Vb9");
export const deliveryParams = idParams("webhook delivery", "whd_7Kp3Xq9Ln2Zb6Vw4");

export const DELIVERY_STATES = ["pending", "delivered", "failed", "cancelled"] as const;

export const listDeliveriesQuery = pageQuery.extend({
  endpoint_id: z.string().max(64).optional(),
  state: z.enum(DELIVERY_STATES).optional(),
  event_type: z.string().max(64).optional(),
});

export const deliveryViewSchema = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event: z.object({
      id: z.string().meta({ description: "The `webhook-id` header: the same on every attempt and replay." }),
      type: z.string(),
      created_at: timestamp,
    }),
    state: z.enum(DELIVERY_STATES).meta({
      description:
        "pending (waiting or retrying), delivered (a 2xx), failed (retries exhausted or endpoint disabled) or cancelled.",
    }),
    attempts: z.number().int(),
    next_attempt_at: timestamp.nullable().meta({ description: "While pending: when it is tried next." }),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: timestamp.nullable(),
    replay_of: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: "WebhookDelivery" });

export const attemptViewSchema = z
  .object({
    attempt: z.number().int(),
    started_at: timestamp,
    status: z.number().int().nullable().meta({ description: "The HTTP status; null when there was no answer." }),
    latency_ms: z.number().int(),
    response_excerpt: z.string().nullable().meta({ description: "The first 500 characters of the answer." }),
    error: z.string().nullable(),
  })
  .meta({ id: "WebhookAttempt" });
