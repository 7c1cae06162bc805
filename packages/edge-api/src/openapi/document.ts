import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../lib/app";
import { TAGS } from "../lib/openapi";
import { WEBHOOK_EVENTS } from "../webhooks/events";

/**
 * The OpenAPI 3.1 document of every route defined with `defineRoute` (src/lib/openapi.ts) and mounted on `app`:
 * nothing here lists routes, so the document cannot drift from them. `origin` (the API the document was read
 * from, when it was) is the first server, so the reference at /docs tries requests against itself.
 */
export function buildDocument(app: OpenAPIHono<AppEnv>, origin?: string) {
  const servers = [
    ...(origin ? [{ url: origin, description: "The API this document was read from" }] : []),
    {
      url: "{scheme}://{host}",
      description: "Your deployment, or `pnpm dev` (http, localhost:8787)",
      variables: {
        scheme: { default: "https", enum: ["https", "http"] },
        host: {
          default: "vouch-api.your-account.workers.dev",
          description: "Where `wrangler deploy` put the Worker, your custom domain, or localhost:8787 for `pnpm dev`.",
        },
      },
    },
  ];
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Vouch API",
      version: "1.0.0",
      description: [
        "Open-source referral platform for B2B SaaS. Browser calls (the tracker and the widget) use the program's publishable key from its allowed origins; your server uses a secret key.",
        "",
        'Every error is `{ "error": { "code", "message", "details" } }`: the code is stable and decides the status; search for it in this document. Writes that move money take an `Idempotency-Key`.',
      ].join("\n"),
      license: { name: "MIT", url: "https://opensource.org/license/mit" },
    },
    servers,
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  });
  return doc;
}

const WEBHOOK_HEADERS = z.object({
  "webhook-id": z.string().meta({
    description: "The event's id (`msg_…`): the same on every retry and replay. De-duplicate on it.",
    example: "msg_2f8a4c1e9b7d3a5c6e0f1a2b",
  }),
  "webhook-timestamp": z.string().meta({
    description: "Unix seconds when this attempt was signed. Refuse anything more than 5 minutes away from now.",
    example: "1764504000",
  }),
  "webhook-signature": z.string().meta({
    description: "Space-separated `v1,<base64>` signatures (two while the endpoint's secret is being rotated).",
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

/** What the document holds besides the routes: the security schemes they name (SECURITY) and the webhook events. */
export function registerComponents(app: OpenAPIHono<AppEnv>): void {
  for (const event of WEBHOOK_EVENTS) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: event.type,
      operationId: `webhook.${event.type}`,
      summary: event.summary,
      description: event.description,
      tags: ["webhooks"],
      security: [{ webhookSignature: [] }],
      request: {
        headers: WEBHOOK_HEADERS,
        body: { required: true, content: { "application/json": { schema: event.payload, example: event.example } } },
      },
      responses: { 200: { description: "Any 2xx acknowledges the delivery; anything else is retried." } },
    });
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "webhookSignature", {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      'Vouch signs every delivery per Standard Webhooks (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` with the endpoint\'s `whsec_` secret, one per secret while you rotate. Verify before trusting the body.',
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "secretKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "vch_sk_…",
    description: "A secret key, `Authorization: Bearer vch_sk_live_…`. Server only: never in a browser.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminSession", {
    type: "apiKey",
    in: "cookie",
    name: "__Host-vouch_session",
    description:
      "The dashboard's session (`POST /v1/admin/session`), in place of a secret key: it names the program with `X-Vouch-Program: prg_…`, sends `X-CSRF-Token` on every change, and is limited by the admin's role (viewers read; owners alone manage keys, the identity secret, the Stripe secret and admins).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "publishableKey", {
    type: "apiKey",
    in: "header",
    name: "X-Vouch-Key",
    description: "The program's publishable key (`vch_pk_…`), accepted only from the program's allowed origins.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "publishableKeyQuery", {
    type: "apiKey",
    in: "query",
    name: "key",
    description:
      "The publishable key as `?key=`, for requests that cannot set headers (`navigator.sendBeacon`, CORS simple requests).",
  });
}
