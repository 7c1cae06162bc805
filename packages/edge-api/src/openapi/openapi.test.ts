import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, ORIGIN, server } from "../../test/fixtures";
import { app } from "../index";
import { meResponseSchema } from "../members/schema";
import { referralDetailSchema } from "../referrals/schema";
import { visitResponseSchema } from "../tracking/schema";
import { WEBHOOK_EVENT_TYPES } from "../webhooks/events";
import { SCALAR_SCRIPT } from "./routes";

async function documentOf(): Promise<any> {
  const res = await SELF.fetch(`${API}/v1/openapi.json`);
  expect(res.status).toBe(200);
  return res.json();
}

/**
 * Routes that are not API operations: the service's own pages (and the hosted program page, HTML for people), and
 * the short links people follow (302 only).
 */
const NOT_OPERATIONS = new Set([
  "GET /health",
  "GET /v1/openapi.json",
  "GET /docs",
  "GET /r/:slug/:code",
  "GET /r/:code",
  "GET /p/:slug",
  "GET /p/:slug/me",
  "POST /p/:slug/me/payout-method",
  "POST /p/:slug/me/emails",
  "GET /o/:token",
  "GET /u/:token",
  "POST /u/:token",
  "GET /dev/mail",
  "GET /dev/mail/:id",
  "GET /dev/mail/:id/text",
  "GET /admin",
  "GET /admin/*",
]);

describe("the API document", () => {
  it("has every route the app serves, each with a 2xx and a 4xx answer", async () => {
    const doc = await documentOf();
    const routes = app.routes.filter((r) => r.method !== "ALL" && !NOT_OPERATIONS.has(`${r.method} ${r.path}`));
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const path = r.path.replaceAll(/:(\w+)/g, "{$1}");
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${path} is in the document`).toBeDefined();
      const statuses = Object.keys(op.responses).map(Number);
      expect(
        statuses.some((s) => s >= 200 && s < 300),
        `${r.method} ${path} documents a 2xx`,
      ).toBe(true);
      expect(
        statuses.some((s) => s >= 400 && s < 500),
        `${r.method} ${path} documents a 4xx`,
      ).toBe(true);
    }
    // And nothing the app does not serve.
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${r.path.replaceAll(/:(\w+)/g, "{$1}")}`));
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of Object.keys(item))
        expect(served, `${method} ${path} is served`).toContain(`${method} ${path}`);
    }
  });

  it("says how to authenticate, which codes each route answers, and where idempotency keys go", async () => {
    const doc = await documentOf();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "adminSession",
      "publishableKey",
      "publishableKeyQuery",
      "secretKey",
      "webhookSignature",
    ]);
    expect(doc.paths["/v1/track/lead"].post.security).toEqual([{ publishableKey: [] }, { publishableKeyQuery: [] }]);
    // Server routes take the secret key, or the dashboard's session in its place.
    expect(doc.paths["/v1/conversions"].post.security).toEqual([{ secretKey: [] }, { adminSession: [] }]);
    expect(doc.paths["/v1/admin/session"].post.security).toEqual([]);
    expect(doc.paths["/v1/admin/admins"].post.security).toEqual([{ adminSession: [] }]);
    // Browser bodies may come as text/plain (CORS simple requests, sendBeacon).
    expect(Object.keys(doc.paths["/v1/track/visit"].post.requestBody.content)).toEqual([
      "application/json",
      "text/plain",
    ]);
    const put = doc.paths["/v1/reward-rules"].put;
    expect(Object.keys(put.responses["409"].content["application/json"].examples)).toEqual(["rules_version_conflict"]);
    expect(put.responses["422"].description).toContain("validation_failed");
    expect(put.requestBody.content["application/json"].example.rules).toHaveLength(2);
    for (const [path, method] of [
      ["/v1/conversions", "post"],
      ["/v1/referrals/{id}", "patch"],
      ["/v1/rewards/pay", "post"],
    ] as const) {
      expect(doc.paths[path][method].parameters.map((p: any) => p.name)).toContain("Idempotency-Key");
    }
    expect(doc.info.license.name).toBe("MIT");
    expect(doc.servers[0].url).toBe(API);
    // Every event a webhook can carry, with its signed envelope and an example.
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES, "webhook.test"].sort());
    const approved = doc.webhooks["reward.approved"].post;
    expect(approved.description).toContain("Standard Webhooks");
    expect(approved.requestBody.content["application/json"].example.data.reward.state).toBe("approved");
  });

  it("has an example for every success answer and every server request body, each valid for its schema", () => {
    let checked = 0;
    for (const def of app.openAPIRegistry.definitions) {
      if (def.type !== "route" && def.type !== "webhook") continue;
      const route = def.type === "route" ? def.route : def.webhook;
      const bodies = Object.values(route.request?.body?.content ?? {}) as { schema: any; example?: unknown }[];
      for (const media of bodies) {
        expect(media.example, `${route.operationId} request example`).toBeDefined();
        expect(media.schema.safeParse(media.example).error, `${route.operationId} request example`).toBeUndefined();
        checked++;
      }
      for (const [status, response] of Object.entries<any>(route.responses)) {
        const media = response.content?.["application/json"];
        if (Number(status) >= 300 || !media) continue;
        expect(media.example, `${route.operationId} ${status} example`).toBeDefined();
        expect(media.schema.safeParse(media.example).error, `${route.operationId} ${status} example`).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});

describe("answers match their declared schemas", () => {
  // Every route checks this itself in tests (src/lib/openapi.ts); here, by hand, for a browser and a server route.
  it("a visit, an enrolment and a referral round-trip through their schemas", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test", name: "Dana" });
    expect(meResponseSchema.parse(me).member.code).toBe(me.member.code);
    // text/plain, as the tracker sends it.
    const visit = await SELF.fetch(`${API}/v1/track/visit?key=${p.pk}`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: ORIGIN },
      body: JSON.stringify({ code: me.member.code }),
    });
    expect(visit.status).toBe(201);
    const { click_id } = visitResponseSchema.parse(await visit.json());
    await browser(p, "/v1/track/lead", { email: "sam@initech.test", click_id });
    const { json } = await server(p, "GET", "/v1/referrals?email=sam@initech.test");
    const detail = await server(p, "GET", `/v1/referrals/${json.data[0].id}`);
    expect(referralDetailSchema.parse(detail.json).referral.click_id).toBe(click_id);
  });

  it("validation errors keep the one error shape", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "PUT", "/v1/reward-rules", { rules: [{ id: "Bad Id" }] });
    expect(res.status).toBe(422);
    expect(json.error.code).toBe("validation_failed");
    expect(json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: "rules.0.id" })]));
  });
});

describe("GET /docs", () => {
  it("is the reference, from a same-origin script and the same-origin document, under a strict CSP", async () => {
    const res = await SELF.fetch(`${API}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual([SCALAR_SCRIPT]);
    expect(html).toContain('"url": "/v1/openapi.json"');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toContain("script-src 'self' 'nonce-");
    expect(csp).toContain("connect-src 'self'");
    // Every inline script carries the nonce; nothing else may run.
    for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  });
});
