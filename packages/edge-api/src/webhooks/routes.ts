import { z } from "zod";
import { router } from "../lib/app";
import { defineListRoute, defineRoute } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { iso } from "../lib/time";
import { replayDelivery, sendTest } from "./delivery";
import { forgetEndpoints, kickDispatch } from "./dispatch";
import {
  createEndpoint,
  deleteEndpoint,
  endpointView,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from "./endpoints";
import { attemptView, deliveryDetail, deliveryLogRow, deliveryView, listDeliveries } from "./log";
import {
  attemptViewSchema,
  createEndpointSchema,
  deliveryParams,
  deliveryViewSchema,
  endpointParams,
  endpointSecretSchema,
  endpointViewSchema,
  listDeliveriesQuery,
  rotateEndpointSecretSchema,
  updateEndpointSchema,
} from "./schema";

/** `/v1/webhook-endpoints`: where the program's events go. */
export const endpointRoutes = router();
/** `/v1/webhook-deliveries`: what was sent, every attempt, and replays. */
export const deliveryRoutes = router();

const T = "2026-11-30T12:00:00.000Z";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const endpointExample = {
  id: "whe_4Tn8Qw2Lp6Xz3Vb9",
  url: "https://acme.com/webhooks/vouch",
  description: "Fulfil rewards",
  events: ["reward.approved", "referral.status_changed"],
  status: "enabled" as const,
  disabled_reason: null,
  failing_since: null,
  previous_secret_expires_at: null,
  created_at: T,
  updated_at: T,
};
const deliveryExample = {
  id: "whd_7Kp3Xq9Ln2Zb6Vw4",
  endpoint_id: endpointExample.id,
  event: { id: "msg_2f8a4c1e9b7d3a5c6e0f1a2b", type: "reward.approved", created_at: T },
  state: "delivered" as const,
  attempts: 2,
  next_attempt_at: null,
  last_status: 200,
  last_error: null,
  delivered_at: "2026-11-30T12:00:05.000Z",
  replay_of: null,
  created_at: T,
};
const attemptExample = {
  attempt: 1,
  started_at: T,
  status: 503,
  latency_ms: 112,
  response_excerpt: "Service Unavailable",
  error: null,
};

const endpointResponse = z.object({ endpoint: endpointViewSchema });
const endpointWithSecret = z.object({ endpoint: endpointViewSchema, secret: endpointSecretSchema });

defineListRoute(
  endpointRoutes,
  {
    path: "/",
    operationId: "listWebhookEndpoints",
    tag: "webhooks",
    summary: "List webhook endpoints, newest first",
    query: pageQuery,
    item: endpointViewSchema,
    example: endpointExample,
  },
  (c, query) => listEndpoints(c.env.DB, c.get("program").id, query),
  endpointView,
);

defineRoute(
  endpointRoutes,
  {
    method: "post",
    path: "/",
    operationId: "createWebhookEndpoint",
    tag: "webhooks",
    summary: "Add a webhook endpoint",
    description:
      "Events from now on are sent to it, signed per Standard Webhooks with the `secret` in this answer (also readable later with `GET /v1/webhook-endpoints/{id}/secret`). Check it with `POST /v1/webhook-endpoints/{id}/test`.",
    auth: "secret",
    body: createEndpointSchema,
    bodyExample: {
      url: "https://acme.com/webhooks/vouch",
      description: "Fulfil rewards",
      events: ["reward.approved", "referral.status_changed"],
    },
    responses: {
      201: {
        description: "The endpoint and its signing secret.",
        schema: endpointWithSecret,
        example: { endpoint: endpointExample, secret: SECRET },
      },
    },
    errors: ["invalid_webhook_url", "conflict"],
  },
  async (c, { body }) => {
    const row = await createEndpoint(c.env.DB, c.get("program"), body, c.get("keyId"));
    forgetEndpoints(row.program_id);
    return c.json({ endpoint: endpointView(row), secret: row.secret }, 201);
  },
);

defineRoute(
  endpointRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getWebhookEndpoint",
    tag: "webhooks",
    summary: "One webhook endpoint",
    auth: "secret",
    params: endpointParams,
    responses: {
      200: { description: "The endpoint.", schema: endpointResponse, example: { endpoint: endpointExample } },
    },
    errors: ["webhook_endpoint_not_found"],
  },
  async (c, { params }) =>
    c.json({ endpoint: endpointView(await getEndpoint(c.env.DB, c.get("program").id, params.id)) }),
);

defineRoute(
  endpointRoutes,
  {
    method: "patch",
    path: "/{id}",
    operationId: "updateWebhookEndpoint",
    tag: "webhooks",
    summary: "Change an endpoint's URL, events, or pause and resume it",
    description:
      "`enabled: true` resumes an endpoint that was disabled after 3 days of failures; what it missed is in the delivery log (`state=failed`), to replay.",
    auth: "secret",
    params: endpointParams,
    body: updateEndpointSchema,
    bodyExample: { enabled: true },
    responses: {
      200: { description: "The endpoint.", schema: endpointResponse, example: { endpoint: endpointExample } },
    },
    errors: ["webhook_endpoint_not_found", "invalid_webhook_url"],
  },
  async (c, { params, body }) => {
    const row = await updateEndpoint(c.env.DB, c.get("program"), params.id, body, c.get("keyId"));
    forgetEndpoints(row.program_id);
    return c.json({ endpoint: endpointView(row) });
  },
);

defineRoute(
  endpointRoutes,
  {
    method: "delete",
    path: "/{id}",
    operationId: "deleteWebhookEndpoint",
    tag: "webhooks",
    summary: "Delete an endpoint",
    description: "Its waiting deliveries are cancelled; the delivery log stays.",
    auth: "secret",
    params: endpointParams,
    responses: {
      200: {
        description: "Deleted.",
        schema: z.object({ id: z.string(), deleted: z.literal(true) }),
        example: { id: endpointExample.id, deleted: true as const },
      },
    },
    errors: ["webhook_endpoint_not_found"],
  },
  async (c, { params }) => {
    await deleteEndpoint(c.env.DB, c.get("program").id, params.id, c.get("keyId"));
    forgetEndpoints(c.get("program").id);
    return c.json({ id: params.id, deleted: true as const });
  },
);

defineRoute(
  endpointRoutes,
  {
    method: "get",
    path: "/{id}/secret",
    operationId: "getWebhookEndpointSecret",
    tag: "webhooks",
    summary: "The endpoint's signing secret",
    auth: "secret",
    params: endpointParams,
    responses: {
      200: {
        description: "The current secret, and when the previous one stops signing (while rotating).",
        schema: z.object({ secret: endpointSecretSchema, previous_secret_expires_at: z.iso.datetime().nullable() }),
        example: { secret: SECRET, previous_secret_expires_at: null },
      },
    },
    errors: ["webhook_endpoint_not_found"],
  },
  async (c, { params }) => {
    const row = await getEndpoint(c.env.DB, c.get("program").id, params.id);
    return c.json({
      secret: row.secret,
      previous_secret_expires_at: row.previous_secret ? iso(row.previous_secret_until) : null,
    });
  },
);

defineRoute(
  endpointRoutes,
  {
    method: "post",
    path: "/{id}/rotate-secret",
    operationId: "rotateWebhookEndpointSecret",
    tag: "webhooks",
    summary: "Rotate the signing secret, with a grace period",
    description:
      "For `grace_hours` (default 24) every delivery carries two signatures, one per secret, so your receiver verifies with either while you deploy the new one.",
    auth: "secret",
    params: endpointParams,
    body: rotateEndpointSecretSchema,
    bodyExample: { grace_hours: 24 },
    responses: {
      200: {
        description: "The endpoint and its new secret.",
        schema: endpointWithSecret,
        example: {
          endpoint: { ...endpointExample, previous_secret_expires_at: "2026-12-01T12:00:00.000Z" },
          secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        },
      },
    },
    errors: ["webhook_endpoint_not_found", "conflict"],
  },
  async (c, { params, body }) => {
    const { endpoint, secret } = await rotateEndpointSecret(
      c.env.DB,
      c.get("program").id,
      params.id,
      body.grace_hours,
      c.get("keyId"),
    );
    return c.json({ endpoint: endpointView(endpoint), secret });
  },
);

const attemptOutcomeSchema = z.object({ delivery: deliveryViewSchema, attempt: attemptViewSchema });

defineRoute(
  endpointRoutes,
  {
    method: "post",
    path: "/{id}/test",
    operationId: "testWebhookEndpoint",
    tag: "webhooks",
    summary: "Send a test event now and see the answer",
    description:
      "A `webhook.test` event, signed like every other, sent once from this request (15 s timeout, no retries), even to a disabled endpoint. The answer is the delivery and its attempt: status, latency and the start of your endpoint's answer.",
    auth: "secret",
    params: endpointParams,
    responses: {
      200: {
        description: "What happened (a failed attempt is a 200 too: see `attempt`).",
        schema: attemptOutcomeSchema,
        example: {
          delivery: { ...deliveryExample, event: { ...deliveryExample.event, type: "webhook.test" }, attempts: 1 },
          attempt: { ...attemptExample, status: 200, response_excerpt: "ok" },
        },
      },
    },
    errors: ["webhook_endpoint_not_found"],
  },
  async (c, { params }) => {
    const programId = c.get("program").id;
    await getEndpoint(c.env.DB, programId, params.id);
    const outcome = await sendTest(c.env, programId, params.id);
    if (!outcome.delivery || !outcome.attempt) throw new Error("a test delivery was not attempted");
    const row = await deliveryLogRow(c.env.DB, outcome.delivery.id);
    return c.json({ delivery: deliveryView(row), attempt: attemptView(outcome.attempt) });
  },
);

defineListRoute(
  deliveryRoutes,
  {
    path: "/",
    operationId: "listWebhookDeliveries",
    tag: "webhooks",
    summary: "The delivery log, newest first",
    description: "Filter by `endpoint_id`, `state` (e.g. `failed`, to replay) and `event_type`.",
    query: listDeliveriesQuery,
    item: deliveryViewSchema,
    example: deliveryExample,
  },
  (c, query) => listDeliveries(c.env.DB, c.get("program").id, query),
  deliveryView,
);

defineRoute(
  deliveryRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getWebhookDelivery",
    tag: "webhooks",
    summary: "One delivery, every attempt, and the body it sends",
    auth: "secret",
    params: deliveryParams,
    responses: {
      200: {
        description: "The delivery, its attempts oldest first, and its body (null until first sent).",
        schema: z.object({ delivery: deliveryViewSchema, attempts: z.array(attemptViewSchema), payload: z.unknown() }),
        example: {
          delivery: deliveryExample,
          attempts: [attemptExample, { ...attemptExample, attempt: 2, status: 200, response_excerpt: "ok" }],
          payload: { type: "reward.approved", timestamp: T, data: { reward: { id: "rwd_2Zp8Lq4Xn7Vb3Kw9" } } },
        },
      },
    },
    errors: ["webhook_delivery_not_found"],
  },
  async (c, { params }) => c.json(await deliveryDetail(c.env.DB, c.get("program").id, params.id)),
);

defineRoute(
  deliveryRoutes,
  {
    method: "post",
    path: "/{id}/replay",
    operationId: "replayWebhookDelivery",
    tag: "webhooks",
    summary: "Send a delivery's event again",
    description:
      "A new delivery of the same event to the same endpoint, with the same `webhook-id` and body (so a receiver that already has it can ignore it), queued now and retried like any other.",
    auth: "secret",
    params: deliveryParams,
    responses: {
      202: {
        description: "The new delivery, queued.",
        schema: z.object({ delivery: deliveryViewSchema }),
        example: {
          delivery: {
            ...deliveryExample,
            id: "whd_9Lm2Xp7Qn4Zb8Vw1",
            state: "pending" as const,
            attempts: 0,
            next_attempt_at: T,
            last_status: null,
            delivered_at: null,
            replay_of: deliveryExample.id,
          },
        },
      },
    },
    errors: ["webhook_delivery_not_found", "webhook_endpoint_disabled"],
  },
  async (c, { params }) => {
    const replay = await replayDelivery(c.env.DB, c.get("program").id, params.id);
    kickDispatch(c);
    return c.json({ delivery: deliveryView(await deliveryLogRow(c.env.DB, replay.id)) }, 202);
  },
);
