import Stripe from "stripe";
import { auditStatement } from "../../lib/audit";
import { ApiError } from "../../lib/errors";
import { iso } from "../../lib/time";
import { SETTLE_MS } from "./apply";
import { reduceEvent, STRIPE_EVENT_TYPES } from "./facts";
import { stripeSecretStatements } from "./settings";

/**
 * `POST /v1/integrations/stripe/{program}`: Stripe's webhook endpoint for one program. The signature is checked
 * by Stripe's own library (`stripe.webhooks.constructEventAsync`: HMAC-SHA256 of `{t}.{payload}` with the
 * endpoint's signing secret, any of the `v1` signatures, 5 minutes' tolerance), then the event is stored once
 * by its id and applied after it settles (apply.ts). Nothing else happens on the request: Stripe gets its 2xx
 * in milliseconds, and a retry (Stripe retries for 3 days) is recognised and changes nothing.
 */

/** Stripe's events are at most a few hundred KiB (an invoice with many lines). */
export const STRIPE_BODY_LIMIT = 512 * 1024;
const TOLERANCE_S = 300;

const secrets = new Map<string, { at: number; value: { secret: string; testMode: boolean } | null }>();

async function integrationOf(db: D1Database, programId: string, now: number) {
  const hit = secrets.get(programId);
  if (hit && now - hit.at < 30_000) return hit.value;
  const row = await db
    .prepare(
      `SELECT i.webhook_secret, p.test_mode FROM integrations i JOIN programs p ON p.id = i.program_id
       WHERE i.program_id = ? AND i.provider = 'stripe'`,
    )
    .bind(programId)
    .first<{ webhook_secret: string; test_mode: number }>();
  const value = row ? { secret: row.webhook_secret, testMode: row.test_mode === 1 } : null;
  if (secrets.size > 1000) secrets.clear();
  secrets.set(programId, { at: now, value });
  return value;
}

export function forgetStripeSecret(programId: string): void {
  secrets.delete(programId);
}

export type Received =
  | { received: true; id: string; type: string; apply_after: string; customer: string }
  | { received: true; id: string; type: string; duplicate: true }
  | { received: true; id: string; type: string; ignored: string };

export async function receiveStripeEvent(
  db: D1Database,
  programId: string,
  body: string,
  signature: string | undefined,
  now = Date.now(),
): Promise<Received> {
  const integration = await integrationOf(db, programId, now);
  if (!integration) {
    throw new ApiError(
      "stripe_not_configured",
      "This program has no Stripe signing secret: save it with `PUT /v1/integrations/stripe` (or `pnpm vouch set-stripe`).",
    );
  }
  if (!signature) throw new ApiError("invalid_stripe_signature", "The Stripe-Signature header is missing.");
  let event: Stripe.Event;
  try {
    event = await Stripe.webhooks.constructEventAsync(
      body,
      signature,
      integration.secret,
      TOLERANCE_S,
      undefined,
      now, // milliseconds
    );
  } catch (err) {
    throw new ApiError(
      "invalid_stripe_signature",
      `The Stripe-Signature does not verify: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  const head = { received: true as const, id: event.id, type: event.type };
  if (event.livemode === integration.testMode) {
    return {
      ...head,
      ignored: event.livemode
        ? "a live-mode event for a test-mode program"
        : "a test-mode event for a live program: money only moves on live payments",
    };
  }
  const reduced = reduceEvent(event as unknown as Parameters<typeof reduceEvent>[0]);
  if (!reduced)
    return { ...head, ignored: `Vouch does not use ${event.type} events (or this one has no customer or amount)` };
  const inserted = await db
    .prepare(
      `INSERT INTO stripe_events (program_id, id, type, customer, stripe_created, facts, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (program_id, id) DO NOTHING RETURNING id`,
    )
    .bind(programId, reduced.id, reduced.type, reduced.customer, reduced.created, JSON.stringify(reduced.facts), now)
    .first();
  if (!inserted) return { ...head, duplicate: true };
  return { ...head, customer: reduced.customer, apply_after: iso(now + SETTLE_MS) };
}

export async function saveStripeSecret(db: D1Database, programId: string, secret: string, actor: string) {
  await db.batch(stripeSecretStatements(programId, secret, actor).map((s) => db.prepare(s.sql).bind(...s.params)));
  forgetStripeSecret(programId);
}

export async function deleteStripeIntegration(db: D1Database, programId: string, actor: string) {
  await db.batch([
    db.prepare("DELETE FROM integrations WHERE program_id = ? AND provider = 'stripe'").bind(programId),
    auditStatement(db, { programId, action: "integration.stripe.deleted", actor }),
  ]);
  forgetStripeSecret(programId);
}

/** What the vendor sees: whether it is set up, where Stripe should send, and what arrived lately. */
export async function stripeStatus(db: D1Database, programId: string, origin: string) {
  const [integration, counts, recent] = await db.batch([
    db
      .prepare("SELECT created_at, updated_at FROM integrations WHERE program_id = ? AND provider = 'stripe'")
      .bind(programId),
    db
      .prepare(
        `SELECT COUNT(*) AS received, SUM(applied_at IS NULL) AS waiting, SUM(outcome = 'unattributed') AS unattributed,
           MAX(received_at) AS last_received_at FROM stripe_events WHERE program_id = ?`,
      )
      .bind(programId),
    db
      .prepare(
        `SELECT id, type, customer, received_at, applied_at, outcome, referral_id FROM stripe_events
         WHERE program_id = ? ORDER BY received_at DESC, id DESC LIMIT 20`,
      )
      .bind(programId),
  ]);
  const row = integration?.results[0] as { created_at: number; updated_at: number } | undefined;
  const c = (counts?.results[0] ?? {}) as Record<string, number | null>;
  return {
    configured: Boolean(row),
    webhook_url: `${origin}/v1/integrations/stripe/${programId}`,
    events: [...STRIPE_EVENT_TYPES],
    updated_at: row ? iso(row.updated_at) : null,
    received: c.received ?? 0,
    waiting: c.waiting ?? 0,
    unattributed: c.unattributed ?? 0,
    last_received_at: c.last_received_at ? iso(c.last_received_at) : null,
    recent: (
      (recent?.results ?? []) as {
        id: string;
        type: string;
        customer: string;
        received_at: number;
        applied_at: number | null;
        outcome: string | null;
        referral_id: string | null;
      }[]
    ).map((e) => ({ ...e, received_at: iso(e.received_at), applied_at: iso(e.applied_at) })),
  };
}
