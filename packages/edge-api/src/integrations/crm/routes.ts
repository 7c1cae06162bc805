import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../lib/app";
import { router } from "../../lib/app";
import { timingSafeEqual } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { defineRoute } from "../../lib/openapi";
import { iso } from "../../lib/time";
import { dispatchPrograms } from "../../webhooks/dispatch";
import { verifyHubSpot } from "./hubspot";
import { applyCrmEvents, type CrmEnv, type IncomingChange, storeChanges } from "./inbound";
import type { CrmQueueEnv } from "./outbound";
import { changeFrom, parseFlowCallout, parseOutboundMessage, type SalesforceChange, SOAP_ACK } from "./salesforce";
import {
  CRM_STATUSES,
  deleteSettings,
  type HubSpotCredentials,
  hubspotSettingsSchema,
  type Provider,
  readSettings,
  type SalesforceCredentials,
  salesforceSettingsSchema,
  saveSettings,
  settingsView,
  stageKey,
} from "./settings";

/** `POST /v1/integrations/{hubspot,salesforce}/{program_id}`: the CRMs' calls, authenticated by them (no API key). */
export const crmInRoutes = { hubspot: router(), salesforce: router() };
/** `/v1/integrations/{hubspot,salesforce}`: the program's settings (secret key or an owner's session). */
export const crmSettingsRoutes = { hubspot: router(), salesforce: router() };
/** `/v1/integrations/crm-log`: what was synced, per referral. */
export const crmLogRoutes = router();

export const CRM_BODY_LIMIT = 512 * 1024;

const envOf = (c: Context<AppEnv>) => c.env as unknown as CrmQueueEnv;

const programParams = z.object({
  program_id: z.string().max(64).meta({ description: "The program's id.", example: "prg_6Wm3Lq8Xp2Zn5Vb7" }),
});

async function readLimited(c: Context<AppEnv>): Promise<string> {
  if (Number(c.req.header("content-length") ?? 0) > CRM_BODY_LIMIT) {
    throw new ApiError("payload_too_large", "CRM calls are under 512 KiB.");
  }
  const body = await c.req.text();
  if (body.length > CRM_BODY_LIMIT) throw new ApiError("payload_too_large", "CRM calls are under 512 KiB.");
  return body;
}

async function settingsOrRefuse<C extends HubSpotCredentials | SalesforceCredentials>(
  c: Context<AppEnv>,
  programId: string,
  provider: Provider,
) {
  const s = await readSettings<C>(envOf(c), programId, provider).catch((err: unknown) => {
    if (err instanceof ApiError) throw err;
    throw new ApiError("encryption_key_missing", `The saved credentials cannot be read: ${String(err)}`);
  });
  if (s?.row.sync_in !== 1) {
    throw new ApiError(
      "crm_not_configured",
      `This program has not connected ${provider === "hubspot" ? "HubSpot" : "Salesforce"} (or incoming sync is off): PUT /v1/integrations/${provider}.`,
    );
  }
  return s;
}

function kickEvents(c: Context<AppEnv>, programId: string, provider: Provider) {
  const env = envOf(c);
  if ((c.env.WEBHOOK_DISPATCH as string) === "manual" || !env.CRM) return;
  c.executionCtx.waitUntil(
    env.CRM.send({ kind: "events", program_id: programId, provider }).catch((err: unknown) =>
      console.error("crm events not queued; the cron will apply them", String(err)),
    ),
  );
}

interface HubSpotEvent {
  eventId?: number | string;
  subscriptionType?: string;
  objectTypeId?: string;
  objectId?: number | string;
  propertyName?: string;
  propertyValue?: string;
}

const receivedSchema = z.object({
  received: z.number().int().meta({ description: "Changes in the call." }),
  new: z.number().int().meta({ description: "Changes not seen before (the others were retries: nothing happens)." }),
  ignored: z.number().int().meta({ description: "Events Vouch does not use (another property, another object)." }),
  outcomes: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: "Salesforce: what applying each change did (`converted: ref_…`, `unmatched: …`)." }),
});

defineRoute(
  crmInRoutes.hubspot,
  {
    method: "post",
    path: "/{program_id}",
    operationId: "receiveHubSpotEvents",
    tag: "integrations",
    summary: "HubSpot's webhook endpoint for a program",
    description: [
      "Set this URL as your HubSpot app's webhook target and subscribe to `deal.propertyChange` for `dealstage` (and, for a qualified stage from the lifecycle, `contact.propertyChange` for `lifecyclestage`). The body is HubSpot's batch of events, exactly as sent; the `X-HubSpot-Signature-v3` signature is verified with the app's client secret and must be under 5 minutes old.",
      "",
      "Each event is stored once by its `eventId` (HubSpot retries: a retry changes nothing), then applied off the request: the deal's amount and its contacts are read from HubSpot, the deal is tied to a referral by the `vouch_referral_id` property Vouch writes on the contact (or the contact's email), and the stage is mapped with the program's `stage_map`.",
    ].join("\n"),
    auth: "none",
    params: programParams,
    responses: {
      200: {
        description: "Received.",
        schema: receivedSchema,
        example: { received: 1, new: 1, ignored: 0 },
      },
    },
    errors: [
      "crm_not_configured",
      "invalid_hubspot_signature",
      "invalid_crm_payload",
      "payload_too_large",
      "encryption_key_missing",
    ],
  },
  async (c, { params }) => {
    const body = await readLimited(c);
    const s = await settingsOrRefuse<HubSpotCredentials>(c, params.program_id, "hubspot");
    const now = Date.now();
    const problem = await verifyHubSpot(
      s.credentials.client_secret,
      {
        method: c.req.method,
        url: c.req.url,
        body,
        signature: c.req.header("x-hubspot-signature-v3"),
        timestamp: c.req.header("x-hubspot-request-timestamp"),
      },
      now,
    );
    if (problem) throw new ApiError("invalid_hubspot_signature", `HubSpot's signature does not verify: ${problem}.`);
    let events: unknown;
    try {
      events = JSON.parse(body);
    } catch {
      throw new ApiError("invalid_crm_payload", "The body is not JSON.", { reason: "not JSON" });
    }
    if (!Array.isArray(events)) {
      throw new ApiError("invalid_crm_payload", "HubSpot sends a JSON array of events.", { reason: "not an array" });
    }
    const changes: IncomingChange[] = [];
    for (const e of events as HubSpotEvent[]) {
      const type = String(e?.subscriptionType ?? "");
      const object =
        type.startsWith("deal.") || e?.objectTypeId === "0-3"
          ? "deal"
          : type.startsWith("contact.") || e?.objectTypeId === "0-1"
            ? "contact"
            : null;
      const wanted = object === "deal" ? "dealstage" : "lifecyclestage";
      if (!object || !type.endsWith("propertyChange") || e.propertyName !== wanted) continue;
      if (e.eventId === undefined || e.objectId === undefined || typeof e.propertyValue !== "string") continue;
      changes.push({
        key: String(e.eventId),
        recordId: String(e.objectId),
        stage: e.propertyValue,
        facts: { object },
      });
    }
    const fresh = await storeChanges(c.env.DB, params.program_id, "hubspot", changes, now);
    if (fresh.size > 0) kickEvents(c, params.program_id, "hubspot");
    return c.json({ received: events.length, new: fresh.size, ignored: events.length - changes.length });
  },
);

defineRoute(
  crmInRoutes.salesforce,
  {
    method: "post",
    path: "/{program_id}",
    operationId: "receiveSalesforceChanges",
    tag: "integrations",
    summary: "Salesforce's endpoint for a program: Flow callouts and Outbound Messages",
    description: [
      "Two ways in, both for Opportunity stage changes:",
      "",
      "- **Flow HTTP callout** (JSON): the Opportunity (`Id`, `StageName`, `Amount`, `CurrencyIsoCode`, `Vouch_Referral_Id__c`), a list of them, or `{ records: [...] }`, with `Authorization: Bearer <inbound secret>`. Answers JSON.",
      "- **Outbound Message** (SOAP, `text/xml`): the URL with `?token=<inbound secret>`, from the org saved as `org_id`. Answers Salesforce's acknowledgement, `<notificationsResponse><Ack>true</Ack></notificationsResponse>`, once every notification is stored (otherwise Salesforce sends it again).",
      "",
      "Each change is stored once by opportunity id + stage (a resend changes nothing) and applied at once with the program's `stage_map`; the opportunity is tied to its referral by `Vouch_Referral_Id__c` (map the Lead's field to the Opportunity's on conversion), else by `Email`.",
    ].join("\n"),
    auth: "none",
    params: programParams,
    query: z.object({
      token: z.string().max(200).optional().meta({ description: "Outbound Messages: the program's inbound secret." }),
    }),
    responses: {
      200: {
        description: "Received: JSON for a Flow, the SOAP acknowledgement for an Outbound Message.",
        content: {
          "application/json": { schema: receivedSchema, example: { received: 1, new: 1, ignored: 0, outcomes: {} } },
          "text/xml": { schema: z.string(), example: SOAP_ACK },
        },
      },
    },
    errors: [
      "crm_not_configured",
      "invalid_salesforce_token",
      "invalid_crm_payload",
      "payload_too_large",
      "encryption_key_missing",
    ],
  },
  async (c, { params, query }) => {
    const body = await readLimited(c);
    const s = await settingsOrRefuse<SalesforceCredentials>(c, params.program_id, "salesforce");
    const secret = s.credentials.inbound_secret;
    const soap = /xml/i.test(c.req.header("content-type") ?? "") || body.trimStart().startsWith("<");
    let changes: SalesforceChange[];
    let ignored = 0;
    let received: number;
    if (soap) {
      if (!query.token || !timingSafeEqual(query.token, secret)) {
        throw new ApiError(
          "invalid_salesforce_token",
          "The Outbound Message URL must end with ?token=<inbound secret>.",
        );
      }
      const message = parseOutboundMessage(body);
      if (typeof message === "string") {
        throw new ApiError("invalid_crm_payload", `Not an Outbound Message: ${message}.`, { reason: message });
      }
      if (!s.row.org_id || s.row.org_id.slice(0, 15) !== message.organizationId.slice(0, 15)) {
        throw new ApiError(
          "invalid_salesforce_token",
          s.row.org_id
            ? "The Outbound Message comes from another Salesforce org than the saved org_id."
            : "Save your org's id (org_id) before sending Outbound Messages.",
        );
      }
      received = message.notifications.length;
      changes = message.notifications.flatMap((n) => {
        const change = changeFrom(n.fields);
        if (!change) ignored += 1;
        return change ? [change] : [];
      });
    } else {
      const auth = c.req.header("authorization") ?? "";
      const token = /^Bearer (.+)$/i.exec(auth)?.[1] ?? c.req.header("x-vouch-token") ?? "";
      if (!token || !timingSafeEqual(token, secret)) {
        throw new ApiError(
          "invalid_salesforce_token",
          "A Flow callout carries `Authorization: Bearer <inbound secret>`.",
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new ApiError("invalid_crm_payload", "The body is not JSON (or send an Outbound Message as text/xml).", {
          reason: "not JSON",
        });
      }
      const parsed = parseFlowCallout(json);
      if (typeof parsed === "string")
        throw new ApiError("invalid_crm_payload", `Not a Flow callout: ${parsed}.`, { reason: parsed });
      changes = parsed;
      received = parsed.length;
    }
    const now = Date.now();
    const fresh = await storeChanges(
      c.env.DB,
      params.program_id,
      "salesforce",
      changes.map((ch) => ({
        key: `${ch.recordId}:${stageKey(ch.stage)}`,
        recordId: ch.recordId,
        stage: ch.stage,
        facts: { amount: ch.amount, currency: ch.currency, referral_id: ch.referralId, email: ch.email },
      })),
      now,
    );
    const applied =
      fresh.size > 0
        ? await applyCrmEvents(envOf(c) as CrmEnv, { programId: params.program_id, provider: "salesforce", now })
        : null;
    if (applied && applied.applied > 0) {
      c.executionCtx.waitUntil(
        dispatchPrograms(c.env, [params.program_id]).catch((err: unknown) =>
          console.error("webhook dispatch failed; the cron will retry", String(err)),
        ),
      );
    }
    if (soap) return c.body(SOAP_ACK, 200, { "content-type": "text/xml; charset=utf-8" });
    return c.json({ received, new: fresh.size, ignored, outcomes: applied?.outcomes ?? {} });
  },
);

const settingsSchema = z.object({
  provider: z.enum(["hubspot", "salesforce"]),
  configured: z.boolean(),
  credentials_hint: z
    .string()
    .nullable()
    .meta({ description: "Which credentials are saved (`pat-…9f2c`), never the credentials themselves." }),
  webhook_url: z.string().meta({ description: "Where the CRM sends stage changes." }),
  stage_map: z.record(z.string(), z.enum(CRM_STATUSES)),
  currency: z.string(),
  sync_out: z.boolean(),
  sync_in: z.boolean(),
  objects: z.string().meta({ description: "HubSpot: `contact`. Salesforce: `contact_or_lead` or `lead`." }),
  org_id: z.string().nullable(),
  updated_at: z.iso.datetime().nullable(),
  outbox: z.object({ synced: z.number().int(), pending: z.number().int(), failed: z.number().int() }),
  inbound_secret: z
    .string()
    .optional()
    .meta({ description: "Salesforce, first save without one: the secret Vouch made. Shown this once." }),
});

const example = (provider: Provider) => ({
  provider,
  configured: true,
  credentials_hint: provider === "hubspot" ? "pat-…9f2c" : "…Xk2Q @ acme.my.salesforce.com",
  webhook_url: `https://vouch-api.acme.workers.dev/v1/integrations/${provider}/prg_6Wm3Lq8Xp2Zn5Vb7`,
  stage_map: (provider === "hubspot"
    ? { salesqualifiedlead: "qualified", closedwon: "converted", closedlost: "lost" }
    : { "Closed Won": "converted", "Closed Lost": "lost" }) as Record<string, "qualified" | "converted" | "lost">,
  currency: "USD",
  sync_out: true,
  sync_in: true,
  objects: provider === "hubspot" ? "contact" : "contact_or_lead",
  org_id: provider === "hubspot" ? null : "00D5e000000KQ2eEAG",
  updated_at: "2026-11-30T12:00:00.000Z",
  outbox: { synced: 12, pending: 0, failed: 0 },
});

for (const provider of ["hubspot", "salesforce"] as const) {
  const name = provider === "hubspot" ? "HubSpot" : "Salesforce";
  const app = crmSettingsRoutes[provider];
  const schema = provider === "hubspot" ? hubspotSettingsSchema : salesforceSettingsSchema;
  defineRoute(
    app,
    {
      method: "put",
      path: "/",
      operationId: `save${name}Integration`,
      tag: "integrations",
      summary: `Connect ${name}: credentials, stage mapping, what to sync`,
      description:
        "Credentials are write-only: they are stored encrypted with the deployment's key and never returned (the answer shows a hint). Leave a credential out to keep the saved one.",
      auth: "secret",
      body: schema as typeof hubspotSettingsSchema,
      bodyExample:
        provider === "hubspot"
          ? {
              access_token: "pat-na1-5f2b7c1e-0d4a-4a8e-9b3c-2f6d8e1a9f2c",
              client_secret: "3c1d9e8f-4b2a-47d6-a5e1-0f9c8b7a6d5e",
              stage_map: { "Sales qualified lead": "qualified", closedwon: "converted", closedlost: "lost" },
            }
          : ({
              instance_url: "https://acme.my.salesforce.com",
              client_id: "3MVG9VwZxxW3bBQjhE6m21CG2nSS4WC.GNbZCtKeQxFH7218ns6xOLCNnJVKnZFTZWKzt2qwSFqt2taMt5mcr",
              client_secret: "8A4BE698BCA216718ECB0B1DCA294C69732EAD9472A1790F8FED38DD2E02B5FA",
              org_id: "00D5e000000KQ2eEAG",
              stage_map: { "Closed Won": "converted", "Closed Lost": "lost" },
            } as never),
      responses: { 200: { description: "Connected.", schema: settingsSchema, example: example(provider) } },
      errors: ["encryption_key_missing"],
    },
    async (c, { body }) => {
      const program = c.get("program");
      const saved = await saveSettings(envOf(c), program, provider, body, c.get("keyId"));
      const view = await settingsView(c.env.DB, program.id, provider, new URL(c.req.url).origin);
      return c.json(saved.generated ? { ...view, inbound_secret: saved.generated } : view);
    },
  );
  defineRoute(
    app,
    {
      method: "get",
      path: "/",
      operationId: `get${name}Integration`,
      tag: "integrations",
      summary: `${name}: settings (never the credentials) and the sync's state`,
      auth: "secret",
      responses: { 200: { description: "The integration.", schema: settingsSchema, example: example(provider) } },
      errors: [],
    },
    async (c) => c.json(await settingsView(c.env.DB, c.get("program").id, provider, new URL(c.req.url).origin)),
  );
  defineRoute(
    app,
    {
      method: "delete",
      path: "/",
      operationId: `delete${name}Integration`,
      tag: "integrations",
      summary: `Disconnect ${name}`,
      description: `Forgets the credentials; ${name}'s calls are refused (\`crm_not_configured\`) and nothing more is synced.`,
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
      await deleteSettings(c.env.DB, c.get("program").id, provider, c.get("keyId"));
      return c.json({ deleted: true as const });
    },
  );
}

const logItem = z.object({
  id: z.string(),
  referral_id: z.string().nullable(),
  provider: z.enum(["hubspot", "salesforce"]),
  direction: z.enum(["in", "out"]),
  action: z
    .string()
    .meta({ description: "`contact.created`, `lead.updated`, `retry in 30 s`, `failed`, `stage closedwon`…" }),
  detail: z.string().nullable(),
  created_at: z.iso.datetime(),
});

defineRoute(
  crmLogRoutes,
  {
    method: "get",
    path: "/",
    operationId: "listCrmSyncLog",
    tag: "integrations",
    summary: "The CRM sync log: what went to HubSpot or Salesforce and what came back, newest first",
    auth: "secret",
    query: z.object({
      referral_id: z.string().max(64).optional().meta({ description: "One referral's entries." }),
      provider: z.enum(["hubspot", "salesforce"]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    responses: {
      200: {
        description: "The entries.",
        schema: z.object({ data: z.array(logItem) }),
        example: {
          data: [
            {
              id: "csl_5yBq4W8nLkZ2pQx7",
              referral_id: "ref_5Tn2Qw8Lp3Xz7Vb4",
              provider: "hubspot" as const,
              direction: "out" as const,
              action: "contact.created",
              detail: "contact 51 (status lead)",
              created_at: "2026-11-30T12:00:01.000Z",
            },
          ],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => {
    const programId = c.get("program").id;
    const where = ["program_id = ?"];
    const args: unknown[] = [programId];
    if (query.referral_id) {
      where.push("referral_id = ?");
      args.push(query.referral_id);
    }
    if (query.provider) {
      where.push("provider = ?");
      args.push(query.provider);
    }
    const { results } = await c.env.DB.prepare(
      `SELECT id, referral_id, provider, direction, action, detail, created_at FROM crm_sync_log
       WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
      .bind(...args, query.limit)
      .all<{
        id: string;
        referral_id: string | null;
        provider: Provider;
        direction: "in" | "out";
        action: string;
        detail: string | null;
        created_at: number;
      }>();
    return c.json({ data: results.map((r) => ({ ...r, created_at: iso(r.created_at) as string })) });
  },
);
