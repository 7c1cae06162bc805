import type { OpenAPIHono } from "@hono/zod-openapi";
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
  // Present even while no event is registered (src/webhooks/events.ts), so the section has its place.
  return { ...doc, webhooks: doc.webhooks ?? {} };
}

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
      request: { body: { content: { "application/json": { schema: event.payload } } } },
      responses: { 200: { description: "Any 2xx acknowledges the delivery; anything else is retried." } },
    });
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "secretKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "vch_sk_…",
    description: "A secret key, `Authorization: Bearer vch_sk_live_…`. Server only: never in a browser.",
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
