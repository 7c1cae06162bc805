import { sha256Hex } from "../../lib/crypto";
import { emailKey } from "../../lib/email";
import { ApiError } from "../../lib/errors";
import { executeOnce, type Outcome } from "../../lib/idempotency";
import { minorDigits } from "../../lib/money";
import { type Program, type ProgramRow, toProgram } from "../../programs/service";
import { RANK, type ReferralStatus } from "../../referrals/status";
import { planStatusChange } from "../../referrals/status-change";
import { SyncFailure } from "./http";
import { HUBSPOT_API, HubSpotClient } from "./hubspot";
import {
  type CrmSettings,
  type CrmStatus,
  type HubSpotCredentials,
  logStatement,
  mapStage,
  type Provider,
  readSettings,
} from "./settings";
import type { VaultEnv } from "./vault";

/**
 * Stage changes from a CRM, applied to referrals.
 *
 * Each change is stored once in crm_events (HubSpot: by its eventId; Salesforce: by record id + stage), so a
 * provider's retry changes nothing. Applying one: the stage is mapped with the program's stage map; the deal is
 * tied to a referral by the Vouch referral id it carries (Salesforce: the Opportunity's `Vouch_Referral_Id__c`;
 * HubSpot: the `vouch_referral_id` property Vouch writes on the contact, read from the deal's associated
 * contacts), else by the friend's email (the contact's). The status change goes through planStatusChange,
 * exactly as `PATCH /v1/referrals/{id}` would (fraud rules, rewards, holds), once per key
 * `crm:<provider>:<record>:<status>`: the same deal reaching the same status twice counts once, whatever
 * events said so. A deal closing lost never takes a paying customer back (that is a refund or churn, which
 * billing reports).
 */
export interface CrmEnv extends VaultEnv {
  DB: D1Database;
  HUBSPOT_API_URL?: string;
}

export interface EventFacts {
  /** HubSpot: which object changed (a deal's stage, or a contact's lifecycle stage). */
  object?: "deal" | "contact";
  amount?: number | null;
  currency?: string | null;
  referral_id?: string | null;
  email?: string | null;
}

export interface IncomingChange {
  key: string;
  recordId: string;
  stage: string;
  facts: EventFacts;
}

/** Stores changes not seen before; returns the keys that are new. */
export async function storeChanges(
  db: D1Database,
  programId: string,
  provider: Provider,
  changes: IncomingChange[],
  now: number,
): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const results = await db.batch(
    changes.map((c) =>
      db
        .prepare(
          `INSERT INTO crm_events (program_id, provider, event_key, record_id, stage, facts, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_key`,
        )
        .bind(
          programId,
          provider,
          c.key.slice(0, 200),
          c.recordId,
          c.stage.slice(0, 200),
          JSON.stringify(c.facts),
          now,
        ),
    ),
  );
  return new Set(results.flatMap((r) => (r.results as { event_key: string }[]).map((x) => x.event_key)));
}

interface EventRow {
  program_id: string;
  provider: Provider;
  event_key: string;
  record_id: string;
  stage: string;
  facts: string;
  attempts: number;
}

const MAX_ATTEMPTS = 8;

export interface ApplyCrmResult {
  applied: number;
  /** Events whose CRM lookups failed for a reason worth retrying, and how long to wait. */
  retryInSeconds?: number;
  outcomes: Record<string, string>;
}

/** Applies waiting events (one program's or everyone's), oldest first. */
export async function applyCrmEvents(
  env: CrmEnv,
  opts: { programId?: string; provider?: Provider; now?: number; limit?: number } = {},
): Promise<ApplyCrmResult> {
  const now = opts.now ?? Date.now();
  const { results } = await env.DB.prepare(
    `SELECT * FROM crm_events WHERE applied_at IS NULL ${opts.programId ? "AND program_id = ?2" : ""}
     ${opts.provider ? "AND provider = ?3" : ""} ORDER BY received_at, event_key LIMIT ?1`,
  )
    .bind(opts.limit ?? 100, ...(opts.programId ? [opts.programId] : []), ...(opts.provider ? [opts.provider] : []))
    .all<EventRow>();
  const out: ApplyCrmResult = { applied: 0, outcomes: {} };
  const programs = new Map<string, Program | null>();
  const settings = new Map<string, CrmSettings | null>();
  for (const event of results) {
    if (!programs.has(event.program_id)) {
      const row = await env.DB.prepare("SELECT * FROM programs WHERE id = ?")
        .bind(event.program_id)
        .first<ProgramRow>();
      programs.set(event.program_id, row ? toProgram(row) : null);
    }
    const sKey = `${event.program_id}:${event.provider}`;
    if (!settings.has(sKey)) {
      try {
        settings.set(sKey, await readSettings(env, event.program_id, event.provider));
      } catch (err) {
        // The credentials do not open (the key was dropped or is missing): keep the event for when they do.
        console.error("crm settings unreadable; events wait", { program: event.program_id, err: String(err) });
        out.outcomes[event.event_key] = `waiting: the saved credentials cannot be read (${String(err)})`;
        out.retryInSeconds = Math.max(out.retryInSeconds ?? 0, 600);
        continue;
      }
    }
    const program = programs.get(event.program_id);
    const s = settings.get(sKey);
    let outcome: string;
    try {
      if (!program || !s)
        outcome = await finish(env.DB, event, now, "ignored: the integration is not configured", null);
      else outcome = await applyOne(env, program, s, event, now);
      out.applied += 1;
    } catch (err) {
      if (!(err instanceof SyncFailure)) throw err;
      const attempts = event.attempts + 1;
      if (!err.retry || attempts >= MAX_ATTEMPTS) {
        outcome = await finish(env.DB, event, now, `failed: ${err.message}`, null);
      } else {
        await env.DB.prepare(
          "UPDATE crm_events SET attempts = ?, outcome = ? WHERE program_id = ? AND provider = ? AND event_key = ?",
        )
          .bind(attempts, `waiting: ${err.message}`.slice(0, 500), event.program_id, event.provider, event.event_key)
          .run();
        outcome = `retry: ${err.message}`;
        out.retryInSeconds = Math.max(out.retryInSeconds ?? 0, err.retryAfterS ?? 30 * 2 ** (attempts - 1));
      }
    }
    out.outcomes[event.event_key] = outcome;
  }
  return out;
}

function markApplied(db: D1Database, event: EventRow, now: number, outcome: string, referralId: string | null) {
  return db
    .prepare(
      `UPDATE crm_events SET applied_at = ?, outcome = ?, referral_id = ?
       WHERE program_id = ? AND provider = ? AND event_key = ?`,
    )
    .bind(now, outcome.slice(0, 500), referralId, event.program_id, event.provider, event.event_key);
}

async function finish(db: D1Database, event: EventRow, now: number, outcome: string, referralId: string | null) {
  await db.batch([
    markApplied(db, event, now, outcome, referralId),
    logStatement(
      db,
      {
        programId: event.program_id,
        referralId,
        provider: event.provider,
        direction: "in",
        action: `stage ${event.stage}`,
        detail: outcome,
      },
      now,
    ),
  ]);
  return outcome;
}

/** HubSpot's webhooks carry only the object and its new stage: the amount and the link are read from HubSpot. */
async function hubspotFacts(env: CrmEnv, s: CrmSettings, event: EventRow, facts: EventFacts): Promise<EventFacts> {
  const client = new HubSpotClient(env.HUBSPOT_API_URL || HUBSPOT_API, s.credentials as HubSpotCredentials);
  if (facts.object === "contact") {
    const [contact] = await client.readContacts([event.record_id]);
    return { ...facts, referral_id: contact?.referralId ?? null, email: contact?.email ?? null };
  }
  const deal = await client.readDeal(event.record_id);
  if (!deal) return facts;
  const amount = deal.properties.amount ? Number(deal.properties.amount) : null;
  let referralId = deal.properties.vouch_referral_id ?? null;
  let email: string | null = null;
  if (!referralId && deal.contactIds.length > 0) {
    const contacts = await client.readContacts(deal.contactIds);
    referralId = contacts.find((c) => c.referralId)?.referralId ?? null;
    email = contacts.find((c) => c.email)?.email ?? null;
  }
  return {
    ...facts,
    amount: Number.isFinite(amount) ? amount : null,
    currency: deal.properties.deal_currency_code || null,
    referral_id: referralId,
    email,
  };
}

async function applyOne(env: CrmEnv, program: Program, s: CrmSettings, event: EventRow, now: number) {
  const db = env.DB;
  if (s.row.sync_in !== 1) return finish(db, event, now, "ignored: incoming sync is off", null);
  const status = mapStage(s.stageMap, event.stage);
  if (!status) return finish(db, event, now, `ignored: stage "${event.stage}" is not in the stage map`, null);
  let facts = JSON.parse(event.facts) as EventFacts;
  if (event.provider === "hubspot") facts = await hubspotFacts(env, s, event, facts);

  const referral = facts.referral_id
    ? await db
        .prepare("SELECT id, status FROM referrals WHERE program_id = ? AND id = ?")
        .bind(program.id, facts.referral_id)
        .first<{ id: string; status: ReferralStatus }>()
    : null;
  const byEmail =
    !referral && facts.email
      ? await db
          .prepare("SELECT id, status FROM referrals WHERE program_id = ? AND friend_email_key = ?")
          .bind(program.id, emailKey(facts.email))
          .first<{ id: string; status: ReferralStatus }>()
      : null;
  const target = referral ?? byEmail;
  if (!target) {
    return finish(db, event, now, "unmatched: no referral has this deal's Vouch referral id or email", null);
  }
  if (target.status === status || (RANK[target.status] > RANK[status] && RANK[target.status] < 9)) {
    return finish(db, event, now, `no change: ${target.id} is ${target.status}`, target.id);
  }
  if (status === "lost" && (target.status === "converted" || target.status === "renewed")) {
    return finish(
      db,
      event,
      now,
      `ignored: ${target.id} is a paying customer (refunds and churn come from billing)`,
      target.id,
    );
  }
  if (RANK[target.status] >= 9) return finish(db, event, now, `no change: ${target.id} is ${target.status}`, target.id);

  const value = dealValue(facts, s.row.currency, status);
  const key = `crm:${event.provider}:${event.record_id}:${status}`;
  const provider = event.provider === "hubspot" ? "HubSpot" : "Salesforce";
  try {
    const result = await executeOnce(
      db,
      program.id,
      key,
      await sha256Hex(key),
      (reader) =>
        planStatusChange(
          db,
          program,
          target.id,
          { status, ...value, reason: `${provider} ${event.record_id} reached stage ${event.stage}` },
          reader,
          key,
        ),
      {
        extra: (o: Outcome) => {
          const text = `${status as CrmStatus}: ${target.id}${value.value_cents !== undefined ? ` (${value.value_cents} ${value.currency})` : ""}`;
          return [
            markApplied(db, event, now, text, target.id),
            logStatement(
              db,
              {
                programId: program.id,
                referralId: target.id,
                provider: event.provider,
                direction: "in",
                action: `stage ${event.stage}`,
                detail: o.statements.length > 0 ? text : `no change: ${target.id}`,
              },
              now,
            ),
          ];
        },
      },
    );
    if ("stored" in result) return finish(db, event, now, `already applied (${key})`, target.id);
    return `${status}: ${target.id}`;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return finish(db, event, now, `refused: ${err.code}: ${err.message}`, target.id);
  }
}

/** A conversion carries the deal's amount in minor units (the settings' currency when the record names none). */
function dealValue(
  facts: EventFacts,
  fallback: string,
  status: CrmStatus,
): { value_cents?: number; currency?: string } {
  if (status !== "converted" || facts.amount === null || facts.amount === undefined || facts.amount <= 0) return {};
  const currency = (facts.currency || fallback).toUpperCase();
  let digits = 2;
  try {
    digits = minorDigits(currency);
  } catch {
    return {};
  }
  return { value_cents: Math.round(facts.amount * 10 ** digits), currency };
}
