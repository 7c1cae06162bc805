import { z } from "zod";
import { auditStatement } from "../../lib/audit";
import { randomToken } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { iso } from "../../lib/time";
import { checkDestination } from "../../webhooks/destination";
import { maskHint, open, seal, type VaultEnv } from "./vault";

/**
 * A program's CRM settings (table crm_settings, migration 0015). Credentials are sealed with the deployment key
 * (vault.ts) and never leave the Worker: the API shows a hint (`pat-…9f2c`) and `configured: true`. Saving
 * again without a credential keeps the saved one, so the dashboard can change the stage mapping without
 * asking for the token again.
 */
export type Provider = "hubspot" | "salesforce";
export const CRM_STATUSES = ["qualified", "converted", "lost"] as const;
export type CrmStatus = (typeof CRM_STATUSES)[number];

export interface HubSpotCredentials {
  access_token: string;
  client_secret: string;
}
export interface SalesforceCredentials {
  instance_url: string;
  client_id: string;
  client_secret: string;
  inbound_secret: string;
}
export type Credentials = HubSpotCredentials | SalesforceCredentials;

export interface SettingsRow {
  program_id: string;
  provider: Provider;
  credentials: string;
  hint: string;
  stage_map: string;
  currency: string;
  sync_out: number;
  sync_in: number;
  objects: string;
  org_id: string | null;
  token: string | null;
  schema_ready: number;
  created_at: number;
  updated_at: number;
}

export interface CrmSettings<C extends Credentials = Credentials> {
  row: SettingsRow;
  credentials: C;
  stageMap: Record<string, CrmStatus>;
}

/** HubSpot's default pipeline and lifecycle stages, and Salesforce's standard opportunity stages. */
export const DEFAULT_STAGE_MAPS: Record<Provider, Record<string, CrmStatus>> = {
  hubspot: { salesqualifiedlead: "qualified", qualifiedtobuy: "qualified", closedwon: "converted", closedlost: "lost" },
  salesforce: { "Closed Won": "converted", "Closed Lost": "lost" },
};

/** Stages compare without case, spaces or punctuation: "Closed won", "closedwon" and "CLOSED_WON" are one. */
export function stageKey(stage: string): string {
  return stage.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export function mapStage(map: Record<string, CrmStatus>, stage: string): CrmStatus | null {
  const key = stageKey(stage);
  for (const [k, v] of Object.entries(map)) if (stageKey(k) === key) return v;
  return null;
}

const stageMapSchema = z
  .record(z.string().trim().min(1).max(100), z.enum(CRM_STATUSES))
  .refine((m) => Object.keys(m).length <= 50, "At most 50 stages")
  .meta({
    description:
      "CRM stage → referral status. Stages match without case, spaces or punctuation (HubSpot sends internal ids such as `closedwon`; Salesforce sends the stage's API name such as `Closed Won`).",
  });
const currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "An ISO 4217 code")
  .transform((v) => v.toUpperCase());

export const hubspotSettingsSchema = z.object({
  access_token: z
    .string()
    .trim()
    .regex(/^pat-[a-z0-9]+-[A-Za-z0-9-]{8,200}$/, "A HubSpot private-app token starts with pat-")
    .optional()
    .meta({
      description:
        "The private app's access token (write-only). Scopes: crm.objects.contacts.read/write, crm.objects.deals.read, crm.schemas.contacts.write.",
    }),
  client_secret: z
    .string()
    .trim()
    .min(16)
    .max(200)
    .optional()
    .meta({ description: "The app's client secret, which signs its webhooks (`X-HubSpot-Signature-v3`). Write-only." }),
  stage_map: stageMapSchema.optional(),
  currency: currency.optional(),
  sync_out: z.boolean().optional().meta({ description: "Create or update a contact for each referral." }),
  sync_in: z.boolean().optional().meta({ description: "Apply deal stage changes to referrals." }),
});

export const salesforceSettingsSchema = z.object({
  instance_url: z
    .string()
    .trim()
    .max(300)
    .optional()
    .meta({ description: "Your My Domain URL, e.g. `https://acme.my.salesforce.com`." }),
  client_id: z.string().trim().min(10).max(300).optional().meta({ description: "The connected app's consumer key." }),
  client_secret: z
    .string()
    .trim()
    .min(10)
    .max(300)
    .optional()
    .meta({ description: "The connected app's consumer secret (write-only)." }),
  inbound_secret: z.string().trim().min(24).max(200).optional().meta({
    description:
      "What Salesforce sends back to prove it is yours (write-only; at least 24 characters): `Authorization: Bearer <it>` from a Flow, `?token=<it>` in an Outbound Message's URL. Omitted on the first save: Vouch makes one and shows it once, in `inbound_secret`.",
  }),
  org_id: z
    .string()
    .trim()
    .regex(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, "A Salesforce organization id starts with 00D")
    .optional()
    .meta({
      description: "Your org's id (Setup → Company Information): Outbound Messages from another org are refused.",
    }),
  objects: z.enum(["lead", "contact_or_lead"]).optional().meta({
    description:
      "`contact_or_lead` (default) updates the Contact with the friend's email if there is one, else upserts a Lead; `lead` always upserts a Lead.",
  }),
  stage_map: stageMapSchema.optional(),
  currency: currency.optional(),
  sync_out: z.boolean().optional(),
  sync_in: z.boolean().optional(),
});
export type HubSpotSettingsInput = z.infer<typeof hubspotSettingsSchema>;
export type SalesforceSettingsInput = z.infer<typeof salesforceSettingsSchema>;

const context = (programId: string, provider: Provider, what = "credentials") => `crm:${provider}:${what}:${programId}`;

export async function readSettings<C extends Credentials>(
  env: { DB: D1Database } & VaultEnv,
  programId: string,
  provider: Provider,
): Promise<CrmSettings<C> | null> {
  const row = await env.DB.prepare("SELECT * FROM crm_settings WHERE program_id = ? AND provider = ?")
    .bind(programId, provider)
    .first<SettingsRow>();
  if (!row) return null;
  const credentials = JSON.parse(await open(env, row.credentials, context(programId, provider))) as C;
  return { row, credentials, stageMap: JSON.parse(row.stage_map) as Record<string, CrmStatus> };
}

export async function sealToken(env: VaultEnv, programId: string, token: string) {
  return seal(env, token, context(programId, "salesforce", "token"));
}
export async function openToken(env: VaultEnv, programId: string, stored: string) {
  return open(env, stored, context(programId, "salesforce", "token"));
}

function hintOf(provider: Provider, c: Credentials): string {
  return provider === "hubspot"
    ? maskHint((c as HubSpotCredentials).access_token)
    : `${maskHint((c as SalesforceCredentials).client_id)} @ ${new URL((c as SalesforceCredentials).instance_url).host}`;
}

/** Saves (or updates) a program's settings. Returns a freshly generated inbound secret when Vouch made one. */
export async function saveSettings(
  env: { DB: D1Database } & VaultEnv,
  program: { id: string; testMode: boolean },
  provider: Provider,
  input: HubSpotSettingsInput | SalesforceSettingsInput,
  actor: string,
  now = Date.now(),
): Promise<{ generated?: string }> {
  const existing = await env.DB.prepare("SELECT * FROM crm_settings WHERE program_id = ? AND provider = ?")
    .bind(program.id, provider)
    .first<SettingsRow>();
  let before: Record<string, string> = {};
  if (existing) {
    try {
      before = JSON.parse(await open(env, existing.credentials, context(program.id, provider)));
    } catch {
      before = {}; // sealed with a key that is gone: the input must carry every credential again
    }
  }
  const merged: Record<string, string> = { ...before };
  const fields =
    provider === "hubspot"
      ? (["access_token", "client_secret"] as const)
      : (["instance_url", "client_id", "client_secret", "inbound_secret"] as const);
  for (const f of fields) {
    const v = (input as Record<string, unknown>)[f];
    if (typeof v === "string") merged[f] = v;
  }
  let generated: string | undefined;
  if (provider === "salesforce" && !merged.inbound_secret) {
    generated = randomToken(24);
    merged.inbound_secret = generated;
  }
  if (provider === "salesforce" && merged.instance_url) {
    const checked = checkDestination(merged.instance_url, program.testMode);
    if (!checked.ok) {
      throw new ApiError("validation_failed", "instance_url is not usable.", [
        { path: "instance_url", message: `instance_url ${checked.reason}` },
      ]);
    }
    merged.instance_url = `${checked.url.origin}${checked.url.pathname.replace(/\/+$/, "")}`;
  }
  const missing = fields.filter((f) => !merged[f]);
  if (missing.length > 0) {
    throw new ApiError(
      "validation_failed",
      `Connecting ${provider === "hubspot" ? "HubSpot" : "Salesforce"} needs ${missing.join(", ")}.`,
      missing.map((path) => ({ path, message: "Required the first time (write-only: it is never shown again)" })),
    );
  }
  const sealed = await seal(env, JSON.stringify(merged), context(program.id, provider));
  const s = input as SalesforceSettingsInput;
  const stageMap = input.stage_map ?? (existing ? JSON.parse(existing.stage_map) : DEFAULT_STAGE_MAPS[provider]);
  const credentialsChanged = fields.some((f) => typeof (input as Record<string, unknown>)[f] === "string");
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO crm_settings (program_id, provider, credentials, hint, stage_map, currency, sync_out, sync_in, objects,
         org_id, token, schema_ready, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, 0, ?11, ?11)
       ON CONFLICT (program_id, provider) DO UPDATE SET credentials = excluded.credentials, hint = excluded.hint,
         stage_map = excluded.stage_map, currency = excluded.currency, sync_out = excluded.sync_out,
         sync_in = excluded.sync_in, objects = excluded.objects, org_id = excluded.org_id,
         token = CASE WHEN ?12 THEN NULL ELSE crm_settings.token END,
         schema_ready = CASE WHEN ?12 THEN 0 ELSE crm_settings.schema_ready END,
         updated_at = excluded.updated_at`,
    ).bind(
      program.id,
      provider,
      sealed,
      hintOf(provider, merged as unknown as Credentials),
      JSON.stringify(stageMap),
      input.currency ?? existing?.currency ?? "USD",
      (input.sync_out ?? (existing ? existing.sync_out === 1 : true)) ? 1 : 0,
      (input.sync_in ?? (existing ? existing.sync_in === 1 : true)) ? 1 : 0,
      provider === "salesforce" ? (s.objects ?? existing?.objects ?? "contact_or_lead") : "contact",
      provider === "salesforce" ? (s.org_id ?? existing?.org_id ?? null) : null,
      now,
      credentialsChanged ? 1 : 0,
    ),
    auditStatement(env.DB, { programId: program.id, action: `integration.${provider}.saved`, actor }, now),
  ]);
  return generated ? { generated } : {};
}

export async function deleteSettings(db: D1Database, programId: string, provider: Provider, actor: string) {
  await db.batch([
    db.prepare("DELETE FROM crm_settings WHERE program_id = ? AND provider = ?").bind(programId, provider),
    db
      .prepare("DELETE FROM crm_outbox WHERE program_id = ? AND provider = ? AND state = 'pending'")
      .bind(programId, provider),
    auditStatement(db, { programId, action: `integration.${provider}.deleted`, actor }),
  ]);
}

/** What the API shows: never a credential, only whether it is set and a hint of which. */
export async function settingsView(db: D1Database, programId: string, provider: Provider, origin: string) {
  const [settings, counts] = await db.batch([
    db.prepare("SELECT * FROM crm_settings WHERE program_id = ? AND provider = ?").bind(programId, provider),
    db
      .prepare(
        `SELECT SUM(state = 'synced') AS synced, SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed
         FROM crm_outbox WHERE program_id = ? AND provider = ?`,
      )
      .bind(programId, provider),
  ]);
  const row = settings?.results[0] as SettingsRow | undefined;
  const c = (counts?.results[0] ?? {}) as Record<string, number | null>;
  return {
    provider,
    configured: Boolean(row),
    credentials_hint: row?.hint ?? null,
    webhook_url: `${origin}/v1/integrations/${provider}/${programId}`,
    stage_map: row ? (JSON.parse(row.stage_map) as Record<string, CrmStatus>) : DEFAULT_STAGE_MAPS[provider],
    currency: row?.currency ?? "USD",
    sync_out: row ? row.sync_out === 1 : true,
    sync_in: row ? row.sync_in === 1 : true,
    objects: row?.objects ?? (provider === "hubspot" ? "contact" : "contact_or_lead"),
    org_id: row?.org_id ?? null,
    updated_at: row ? iso(row.updated_at) : null,
    outbox: { synced: c.synced ?? 0, pending: c.pending ?? 0, failed: c.failed ?? 0 },
  };
}

export function logStatement(
  db: D1Database,
  entry: {
    programId: string;
    referralId: string | null;
    provider: Provider;
    direction: "in" | "out";
    action: string;
    detail?: string | null;
  },
  now = Date.now(),
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO crm_sync_log (id, program_id, referral_id, provider, direction, action, detail, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      `csl_${randomToken(12)}`,
      entry.programId,
      entry.referralId,
      entry.provider,
      entry.direction,
      entry.action,
      entry.detail?.slice(0, 500) ?? null,
      now,
    );
}
