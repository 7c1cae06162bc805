import { dispatchPrograms } from "../../webhooks/dispatch";
import { SyncFailure } from "./http";
import { HUBSPOT_API, HubSpotClient, type VOUCH_PROPERTIES } from "./hubspot";
import { applyCrmEvents, type CrmEnv } from "./inbound";
import { SalesforceClient, SF_FIELDS } from "./salesforce";
import {
  type CrmSettings,
  type HubSpotCredentials,
  logStatement,
  openToken,
  type Provider,
  readSettings,
  type SalesforceCredentials,
  sealToken,
} from "./settings";

/**
 * Referrals out to the CRM (the outbox crm_outbox, written by triggers in migration 0015 when a referral is
 * created or changes status). `dispatchDueCrm` leases due rows and puts them on the CRM queue (after writes and
 * from the cron); the consumer syncs each: HubSpot creates or updates the contact, Salesforce updates the
 * matching Contact or upserts the Lead. A failure worth retrying (429, 5xx, no answer) puts the row back with
 * the next delay (at least what the CRM's Retry-After asked); a 4xx that retrying cannot fix, or the last
 * attempt, marks it failed. Every attempt's result is in the referral's sync log.
 */
export type CrmMessage = { kind: "sync"; id: string } | { kind: "events"; program_id: string; provider: Provider };

export interface CrmQueueEnv extends CrmEnv {
  CRM?: Queue<CrmMessage>;
  WEBHOOKS?: Queue;
  WEBHOOK_DISPATCH?: string;
}

/** Seconds before attempt n + 1 after n failures: 30 s, 2 min, 10 min, 1 h, 6 h, 12 h; then failed. */
export const CRM_RETRY_DELAYS_S = [30, 120, 600, 3_600, 21_600, 43_200] as const;
const LEASE_MS = 10 * 60_000;
/** While one copy of a message syncs a row, another copy cannot claim it. */
const IN_FLIGHT_MS = 60_000;

export async function dispatchDueCrm(
  env: CrmQueueEnv,
  opts: { now?: number; programId?: string; limit?: number } = {},
): Promise<number> {
  if (!env.CRM) return 0;
  const now = opts.now ?? Date.now();
  const { results } = await env.DB.prepare(
    `UPDATE crm_outbox SET leased_until = ?1 + ${LEASE_MS}
     WHERE id IN (SELECT id FROM crm_outbox WHERE state = 'pending' AND next_attempt_at <= ?1
                  AND (leased_until IS NULL OR leased_until < ?1) ${opts.programId ? "AND program_id = ?3" : ""}
                  ORDER BY next_attempt_at LIMIT ?2)
     RETURNING id`,
  )
    .bind(now, opts.limit ?? 100, ...(opts.programId ? [opts.programId] : []))
    .all<{ id: string }>();
  if (results.length > 0) {
    await env.CRM.sendBatch(results.map((r) => ({ body: { kind: "sync", id: r.id } satisfies CrmMessage })));
  }
  const waiting = await env.DB.prepare(
    `SELECT DISTINCT program_id, provider FROM crm_events
     WHERE applied_at IS NULL AND received_at <= ?1 - 30000 * (1 << attempts) LIMIT 50`,
  )
    .bind(now)
    .all<{ program_id: string; provider: Provider }>();
  if (waiting.results.length > 0) {
    await env.CRM.sendBatch(
      waiting.results.map((w) => ({
        body: { kind: "events", program_id: w.program_id, provider: w.provider } as CrmMessage,
      })),
    );
  }
  return results.length;
}

export async function consumeCrm(
  batch: MessageBatch<CrmMessage>,
  env: CrmQueueEnv,
  opts: { now?: () => number } = {},
): Promise<void> {
  for (const message of batch.messages) {
    const now = opts.now?.() ?? Date.now();
    try {
      if (message.body.kind === "events") {
        const r = await applyCrmEvents(env, {
          programId: message.body.program_id,
          provider: message.body.provider,
          now,
        });
        if (r.retryInSeconds) message.retry({ delaySeconds: Math.min(43_200, r.retryInSeconds) });
        else message.ack();
        // Referrals that moved announce webhooks: queue their deliveries as the Stripe applier does.
        if (r.applied > 0 && env.WEBHOOKS) {
          await dispatchPrograms(env as Parameters<typeof dispatchPrograms>[0], [message.body.program_id]);
        }
      } else {
        const r = await syncOne(env, message.body.id, now);
        if (r.retryDelayS !== undefined) message.retry({ delaySeconds: r.retryDelayS });
        else message.ack();
      }
    } catch (err) {
      console.error("crm message failed; retrying", String(err));
      message.retry({ delaySeconds: 30 });
    }
  }
}

interface Claimed {
  id: string;
  program_id: string;
  provider: Provider;
  referral_id: string;
  attempts: number;
  external_id: string | null;
  external_type: string | null;
}

interface ReferralData {
  id: string;
  status: string;
  friend_email: string;
  friend_name: string | null;
  friend_company: string | null;
  member_name: string | null;
  member_email: string | null;
  member_code: string;
}

/** One outbox row: claimed (nobody else sends it now), synced, and its outcome recorded. */
export async function syncOne(
  env: CrmEnv,
  id: string,
  now: number,
): Promise<{ state: "synced" | "pending" | "failed" | "not_due"; retryDelayS?: number; detail?: string }> {
  const db = env.DB;
  const claimed = await db
    .prepare(
      `UPDATE crm_outbox SET attempts = attempts + 1, next_attempt_at = ?2 + ${IN_FLIGHT_MS}
       WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?2 + 1000
       RETURNING id, program_id, provider, referral_id, attempts, external_id, external_type`,
    )
    .bind(id, now)
    .first<Claimed>();
  if (!claimed) return { state: "not_due" };
  const referral = await db
    .prepare(
      `SELECT r.id, r.status, r.friend_email, r.friend_name, r.friend_company, m.name AS member_name,
         m.email AS member_email, m.code AS member_code
       FROM referrals r JOIN members m ON m.id = r.member_id WHERE r.id = ? AND r.program_id = ?`,
    )
    .bind(claimed.referral_id, claimed.program_id)
    .first<ReferralData>();
  let settings: CrmSettings | null = null;
  try {
    settings = await readSettings(env, claimed.program_id, claimed.provider);
  } catch (err) {
    return settle(db, claimed, now, new SyncFailure(`credentials unreadable: ${String(err)}`, null, false));
  }
  if (!referral || !settings || settings.row.sync_out !== 1) {
    await db.batch([
      db.prepare("DELETE FROM crm_outbox WHERE id = ?").bind(claimed.id),
      outLog(
        db,
        claimed,
        "skipped",
        !referral ? "the referral is gone" : "outgoing sync is off or the integration was removed",
        now,
      ),
    ]);
    return { state: "failed", detail: "skipped" };
  }
  try {
    const done =
      claimed.provider === "hubspot"
        ? await syncHubSpot(env, settings, claimed, referral)
        : await syncSalesforce(env, settings, claimed, referral);
    await db.batch([
      db
        .prepare(
          `UPDATE crm_outbox SET state = 'synced', synced_at = ?, external_id = ?, external_type = ?, last_status = 200,
             last_error = NULL, leased_until = NULL WHERE id = ? AND state = 'pending'`,
        )
        .bind(now, done.id, done.type, claimed.id),
      outLog(
        db,
        claimed,
        `${done.type}.${done.action}`,
        `${done.type} ${done.id ?? ""} (status ${referral.status})`.trim(),
        now,
      ),
    ]);
    return { state: "synced", detail: `${done.type}.${done.action}` };
  } catch (err) {
    if (!(err instanceof SyncFailure)) throw err;
    return settle(db, claimed, now, err);
  }
}

/** The sync log's entry for what happened to a claimed outbox row. */
function outLog(db: D1Database, row: Claimed, action: string, detail: string, now: number) {
  return logStatement(
    db,
    {
      programId: row.program_id,
      referralId: row.referral_id,
      provider: row.provider,
      direction: "out",
      action,
      detail,
    },
    now,
  );
}

async function settle(db: D1Database, row: Claimed, now: number, err: SyncFailure) {
  const base = CRM_RETRY_DELAYS_S[row.attempts - 1];
  const log = (action: string) => outLog(db, row, action, err.message, now);
  if (err.retry && base !== undefined) {
    const delay = Math.min(43_200, Math.max(base, err.retryAfterS ?? 0));
    const next = now + delay * 1000;
    await db.batch([
      db
        .prepare(
          `UPDATE crm_outbox SET next_attempt_at = ?, leased_until = ?, last_status = ?, last_error = ?
           WHERE id = ? AND state = 'pending'`,
        )
        .bind(next, next + LEASE_MS, err.status, err.message.slice(0, 500), row.id),
      log(`retry in ${delay} s`),
    ]);
    return { state: "pending" as const, retryDelayS: delay, detail: err.message };
  }
  await db.batch([
    db
      .prepare(
        "UPDATE crm_outbox SET state = 'failed', last_status = ?, last_error = ?, leased_until = NULL WHERE id = ? AND state = 'pending'",
      )
      .bind(err.status, err.message.slice(0, 500), row.id),
    log("failed"),
  ]);
  return { state: "failed" as const, detail: err.message };
}

function splitName(name: string | null, email: string): { first: string; last: string } {
  const parts = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { first: "", last: email.slice(0, email.indexOf("@")) || email };
  if (parts.length === 1) return { first: "", last: parts[0] as string };
  return { first: parts.slice(0, -1).join(" "), last: parts[parts.length - 1] as string };
}

async function syncHubSpot(env: CrmEnv, s: CrmSettings, row: Claimed, r: ReferralData) {
  const client = new HubSpotClient(env.HUBSPOT_API_URL || HUBSPOT_API, s.credentials as HubSpotCredentials);
  if (s.row.schema_ready !== 1) {
    await client.ensureSchema();
    await env.DB.prepare("UPDATE crm_settings SET schema_ready = 1 WHERE program_id = ? AND provider = 'hubspot'")
      .bind(row.program_id)
      .run();
  }
  const name = splitName(r.friend_name, r.friend_email);
  const create: Record<string, string> = {};
  if (name.first) create.firstname = name.first;
  if (r.friend_name) create.lastname = name.last;
  if (r.friend_company) create.company = r.friend_company;
  const values: Record<(typeof VOUCH_PROPERTIES)[number]["name"], string> = {
    vouch_referral_id: r.id,
    vouch_referral_code: r.member_code,
    vouch_referrer_name: r.member_name ?? "",
    vouch_referrer_email: r.member_email ?? "",
    vouch_referral_status: r.status,
  };
  const done = await client.upsertContact(r.friend_email, create, values, row.external_id);
  return { id: done.id, type: "contact", action: done.action };
}

async function syncSalesforce(env: CrmEnv, s: CrmSettings, row: Claimed, r: ReferralData) {
  const credentials = s.credentials as SalesforceCredentials;
  let cached: string | null = null;
  if (s.row.token) cached = await openToken(env, row.program_id, s.row.token).catch(() => null);
  const client = new SalesforceClient(credentials, cached);
  const custom: Record<string, string> = {
    [SF_FIELDS.code]: r.member_code,
    [SF_FIELDS.referrerName]: r.member_name ?? "",
    [SF_FIELDS.referrerEmail]: r.member_email ?? "",
    [SF_FIELDS.status]: r.status,
  };
  try {
    if (row.external_type === "contact" && row.external_id) {
      await client.updateContact(row.external_id, { ...custom, [SF_FIELDS.referralId]: r.id });
      return { id: row.external_id, type: "contact", action: "updated" };
    }
    if (row.external_type === "lead" && row.external_id && (await client.updateLead(row.external_id, custom))) {
      return { id: row.external_id, type: "lead", action: "updated" };
    }
    if (s.row.objects !== "lead") {
      const contact = await client.findContact(r.friend_email);
      if (contact) {
        await client.updateContact(contact, { ...custom, [SF_FIELDS.referralId]: r.id });
        return { id: contact, type: "contact", action: "updated" };
      }
    }
    const name = splitName(r.friend_name, r.friend_email);
    const lead = await client.upsertLead(r.id, {
      ...(name.first ? { FirstName: name.first } : {}),
      LastName: name.last,
      Company: r.friend_company || "[not provided]",
      Email: r.friend_email,
      LeadSource: "Referral",
      ...custom,
    });
    return { id: lead.id, type: "lead", action: lead.created ? "created" : "updated" };
  } finally {
    if (client.refreshed) {
      await env.DB.prepare("UPDATE crm_settings SET token = ? WHERE program_id = ? AND provider = 'salesforce'")
        .bind(await sealToken(env, row.program_id, client.refreshed), row.program_id)
        .run();
    }
  }
}
