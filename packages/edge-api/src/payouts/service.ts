import { ApiError } from "../lib/errors";
import type { Outcome, Reader } from "../lib/idempotency";
import { newId } from "../lib/ids";
import { iso } from "../lib/time";
import { clawbackInsertSql, promoteDue } from "../rewards/ledger";
import {
  type CandidateReward,
  type MemberFacts,
  type PlannedPayout,
  planRun,
  type RunFilters,
  type Waiting,
} from "./plan";
import { type PayoutProviderEnv, payoutProviderFor } from "./providers";
import {
  type FailureCode,
  type PayoutMethod,
  PROVIDER_METHODS,
  type ProviderMethod,
  type StatusAnswer,
} from "./providers/types";
import { SETTINGS_SELECT, settingsFromRow } from "./settings";

/**
 * Payout runs and the life of a payout (migration 0012).
 *
 * A run reserves its rewards (rewards.payout_id set, state still `approved`) and writes its payouts in one batch;
 * a reward that changed meanwhile makes the payout's count NULL, the NOT NULL column refuses it and the whole run
 * rolls back, so two runs at once never take the same reward. Sending happens off the request: the PAYOUTS queue's
 * consumer claims a `queued` payout (→ `sending`), asks the provider with our payout id as its idempotency field,
 * and records the answer: `processing` (then polled until the provider says paid or failed), `paid`, back to
 * `queued` for a retry, or `failed`. Only `paid` makes its rewards paid; `failed` releases them for the next run.
 * A reserved reward is not voided by a take-back that arrives meanwhile (the money may be on its way): a refund or a
 * rejection of its referral, or a take-back written on it (`take_back_reason`: a milestone recomputed, a
 * reattribution). When its payout is paid a clawback is booked; when it fails or is canceled the reward
 * is voided instead of released.
 */

export interface PayoutEnv extends PayoutProviderEnv {
  DB: D1Database;
  PAYOUTS?: Queue<PayoutMessage>;
}

export interface PayoutMessage {
  payout_id: string;
}

/** Seconds before send attempt n+1: 1 min, 5 min, 30 min, 2 h, 6 h, 24 h; then the payout fails. */
export const SEND_RETRY_DELAYS_S = [60, 300, 1_800, 7_200, 21_600, 86_400] as const;
/** Seconds between status polls of a payout the provider took: grows to an hour (PayPal's UNCLAIMED lasts 30 days). */
export const POLL_DELAYS_S = [30, 60, 300, 900, 3_600] as const;
/** How long a claimed or queued payout is left to its worker before the cron takes it back. */
export const PAYOUT_LEASE_MS = 10 * 60 * 1000;

export interface PayoutRow {
  id: string;
  program_id: string;
  run_id: string | null;
  member_id: string | null;
  reference: string;
  method: PayoutMethod;
  currency: string | null;
  amount: number | null;
  state: "queued" | "sending" | "processing" | "paid" | "failed";
  recipient: string | null;
  reward_count: number;
  provider_id: string | null;
  provider_status: string | null;
  attempts: number;
  next_attempt_at: number | null;
  failure_code: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number | null;
  paid_at: number | null;
}

/** The address in a member's method details or a payout's recipient (JSON `{ email }`); null if none or unreadable. */
function emailIn(json: string | null | undefined): string | null {
  if (!json) return null;
  try {
    return (JSON.parse(json) as { email?: string | null }).email ?? null;
  } catch {
    return null;
  }
}

export function payoutView(p: PayoutRow) {
  return {
    id: p.id,
    run_id: p.run_id,
    member_id: p.member_id,
    reference: p.reference,
    method: p.method,
    currency: p.currency,
    amount: p.amount,
    state: p.state,
    recipient_email: emailIn(p.recipient),
    reward_count: p.reward_count,
    provider_id: p.provider_id,
    provider_status: p.provider_status,
    attempts: p.attempts,
    failure_code: p.failure_code,
    last_error: p.last_error,
    created_at: iso(p.created_at),
    paid_at: p.paid_at === null ? null : iso(p.paid_at),
  };
}
export type PayoutView = ReturnType<typeof payoutView>;

/**
 * A reward whose referral no longer pays it, given the referral as `f` and the reward as `w`: refunded, rejected in a
 * fraud review, or churned when the reward only lasts while the customer is active. (A churned customer's approved
 * reward otherwise stays earned: the hold was the protection.)
 */
export const REFERRAL_CLOSED = `(f.status = 'refunded' OR f.rejected_at IS NOT NULL OR (f.status = 'lost' AND w.while_active = 1))`;
/**
 * A reserved reward `w` (joined to its referral `f`) that must not be kept: its referral closed, or a take-back
 * reached it while reserved (`take_back_reason`: a milestone recomputed, a reattribution; migration 0018).
 */
const TAKEN_BACK = `(w.take_back_reason IS NOT NULL OR ${REFERRAL_CLOSED})`;

/**
 * A payout that failed or was canceled: its reserved rewards that must not be kept are voided (the rest are then
 * released). `?1` now, `?2` the payout; the caller adds the condition on the payout's state.
 */
const VOID_TAKEN_BACK = `UPDATE rewards SET state = 'voided', voided_at = ?1,
    void_reason = COALESCE(take_back_reason, 'referral_closed')
  WHERE payout_id = ?2 AND state = 'approved' AND clawback_of IS NULL
    AND EXISTS (SELECT 1 FROM rewards w JOIN referrals f ON f.id = w.referral_id WHERE w.id = rewards.id AND ${TAKEN_BACK})`;

/** Rewards a run may pay: a member's approved money rewards (and clawbacks of them), not reserved, referral open. */
const CANDIDATES = `SELECT w.id, w.member_id, w.amount, w.currency FROM rewards w
  WHERE w.program_id = ?1 AND w.state = 'approved' AND w.payout_id IS NULL AND w.recipient = 'member'
    AND w.currency IS NOT NULL AND w.kind IN ('cash', 'gift_card')
    AND (?2 IS NULL OR w.currency = ?2)
    AND (?3 IS NULL OR w.member_id IN (SELECT value FROM json_each(?3)))
    AND w.take_back_reason IS NULL
    AND (w.clawback_of IS NOT NULL
      OR NOT EXISTS (SELECT 1 FROM referrals f WHERE f.id = w.referral_id AND ${REFERRAL_CLOSED}))
  ORDER BY w.approved_at, w.id LIMIT 5000`;

const MEMBERS = `SELECT m.id, m.email, m.name, m.suspended_at, pm.method, pm.details FROM members m
  LEFT JOIN member_payout_methods pm ON pm.member_id = m.id
  WHERE m.program_id = ?1 AND m.id IN (SELECT DISTINCT member_id FROM rewards w
    WHERE w.program_id = ?1 AND w.state = 'approved' AND w.payout_id IS NULL AND w.recipient = 'member'
      AND (?2 IS NULL OR w.member_id IN (SELECT value FROM json_each(?2))))`;

/** Paid (or on its way) this calendar year, per member and currency: the yearly limit's "already". */
const PAID_THIS_YEAR = `SELECT member_id, currency, SUM(amount) AS total FROM rewards
  WHERE program_id = ?1 AND recipient = 'member' AND currency IS NOT NULL
    AND ((state = 'paid' AND paid_at >= ?2) OR (state = 'approved' AND payout_id IS NOT NULL))
  GROUP BY member_id, currency`;

interface MemberRowLite {
  id: string;
  email: string | null;
  name: string | null;
  suspended_at: number | null;
  method: PayoutMethod | null;
  details: string | null;
}

export function yearStart(now: number): number {
  return Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
}

async function readRunInputs(db: D1Database, reader: Reader, programId: string, filters: RunFilters, now: number) {
  const members = filters.member_ids ? JSON.stringify(filters.member_ids) : null;
  const [settingsRes, candidatesRes, membersRes, paidRes] = await reader.batch([
    db.prepare(SETTINGS_SELECT).bind(programId),
    db.prepare(CANDIDATES).bind(programId, filters.currency ?? null, members),
    db.prepare(MEMBERS).bind(programId, members),
    db.prepare(PAID_THIS_YEAR).bind(programId, yearStart(now)),
  ]);
  const settings = settingsFromRow(settingsRes?.results[0] as Parameters<typeof settingsFromRow>[0]);
  const facts = new Map<string, MemberFacts & { name: string | null; details: string | null }>();
  for (const m of (membersRes?.results ?? []) as MemberRowLite[]) {
    facts.set(m.id, {
      method: m.method,
      email: m.email,
      name: m.name,
      details: m.details,
      suspended: m.suspended_at !== null,
    });
  }
  const paid = new Map<string, number>();
  for (const r of (paidRes?.results ?? []) as { member_id: string; currency: string; total: number }[]) {
    paid.set(`${r.member_id} ${r.currency}`, r.total);
  }
  return { settings, candidates: (candidatesRes?.results ?? []) as CandidateReward[], facts, paid };
}

/** Plans a run for `runIdempotent`: the payouts, the reservations, and what waits and why. */
export async function planPayoutRun(
  db: D1Database,
  programId: string,
  filters: RunFilters,
  createdBy: string | null,
  reader: Reader,
): Promise<Outcome> {
  const now = Date.now();
  await promoteDue(db, now, programId);
  const { settings, candidates, facts, paid } = await readRunInputs(db, reader, programId, filters, now);
  const { payouts, waiting } = planRun(settings, candidates, facts, paid, filters);
  const runId = newId("run");
  const rows = payouts.map((p) => payoutRowFor(p, runId, programId, facts.get(p.member_id), now));
  const totals: Record<string, number> = {};
  for (const p of payouts) totals[p.currency] = (totals[p.currency] ?? 0) + p.amount;
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        "INSERT INTO payout_runs (id, program_id, filters, payout_count, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .bind(runId, programId, JSON.stringify(filters), payouts.length, createdBy, now),
  ];
  payouts.forEach((p, i) => {
    const row = rows[i] as PayoutRow;
    statements.push(
      db
        .prepare(
          `UPDATE rewards SET payout_id = ? WHERE program_id = ? AND id IN (SELECT value FROM json_each(?))
             AND state = 'approved' AND payout_id IS NULL`,
        )
        .bind(row.id, programId, JSON.stringify(p.reward_ids)),
      db
        .prepare(
          `INSERT INTO payouts (id, program_id, reference, reward_count, created_at, run_id, member_id, method, currency,
             amount, state, recipient, attempts, next_attempt_at, updated_at)
           VALUES (?1, ?2, ?3, (SELECT CASE WHEN COUNT(*) = ?4 THEN COUNT(*) END FROM rewards WHERE payout_id = ?1),
             ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?5)`,
        )
        .bind(
          row.id,
          programId,
          row.reference,
          p.reward_ids.length,
          now,
          runId,
          p.member_id,
          p.method,
          p.currency,
          p.amount,
          row.state,
          row.recipient,
          row.next_attempt_at,
        ),
    );
  });
  return {
    status: 201,
    body: {
      run: { id: runId, created_at: iso(now), payout_count: payouts.length, totals, filters },
      payouts: rows.map(payoutView),
      waiting,
    },
    statements,
  };
}

function payoutRowFor(
  p: PlannedPayout,
  runId: string,
  programId: string,
  member: { email: string | null; details: string | null } | undefined,
  now: number,
): PayoutRow {
  const provider = (PROVIDER_METHODS as readonly string[]).includes(p.method);
  return {
    id: newId("pay"),
    program_id: programId,
    run_id: runId,
    member_id: p.member_id,
    reference: runId,
    method: p.method,
    currency: p.currency,
    amount: p.amount,
    // Account credit is applied by the host, which confirms it (POST /v1/payouts/{id}/confirm).
    state: provider ? "queued" : "processing",
    recipient: JSON.stringify(provider ? { email: emailIn(member?.details) ?? member?.email ?? null } : {}),
    reward_count: p.reward_ids.length,
    provider_id: null,
    provider_status: null,
    attempts: 0,
    next_attempt_at: provider ? now : null,
    failure_code: null,
    last_error: null,
    created_at: now,
    updated_at: now,
    paid_at: null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Finishing a payout: only here do rewards become paid (or go back to approved).

/**
 * The provider (or the host, for account credit) confirmed: the payout and its reserved rewards are paid, and a
 * reward whose referral was refunded or lost while the money travelled gets its clawback, netted from the next payout.
 */
export async function markPaid(db: D1Database, payoutId: string, providerStatus: string | null, now: number) {
  await db.batch([
    db
      .prepare(
        `UPDATE payouts SET state = 'paid', paid_at = ?1, provider_status = COALESCE(?2, provider_status),
           leased_until = NULL, next_attempt_at = NULL, updated_at = ?1 WHERE id = ?3 AND state IN ('sending', 'processing')`,
      )
      .bind(now, providerStatus, payoutId),
    db
      .prepare(
        `UPDATE rewards SET state = 'paid', paid_at = ?1 WHERE payout_id = ?2 AND state = 'approved'
           AND EXISTS (SELECT 1 FROM payouts p WHERE p.id = ?2 AND p.state = 'paid')`,
      )
      .bind(now, payoutId),
    db
      .prepare(
        clawbackInsertSql(
          `COALESCE(w.take_back_reason, CASE WHEN f.rejected_at IS NOT NULL THEN 'rejected' ELSE f.status END)
             || ' while being paid'`,
          `FROM rewards w JOIN referrals f ON f.id = w.referral_id WHERE w.payout_id = ?2 AND ${TAKEN_BACK}`,
        ),
      )
      .bind(now, payoutId),
  ]);
}

/**
 * Failed for good: its rewards go back for the next run, except those whose referral closed meanwhile (voided).
 * `needs_review` is the exception: an earlier attempt's outcome is unknown (it timed out, or the provider refused a
 * resend), so the money may have left; the rewards stay reserved until a person checks the provider and releases
 * them (`POST /v1/payouts/{id}/cancel`).
 */
export async function markFailed(
  db: D1Database,
  payoutId: string,
  code: FailureCode | "needs_review" | "member_suspended",
  error: string,
  now: number,
) {
  if (code === "needs_review") {
    await db
      .prepare(
        `UPDATE payouts SET state = 'failed', failure_code = 'needs_review', last_error = ?1, leased_until = NULL,
           next_attempt_at = NULL, updated_at = ?2 WHERE id = ?3 AND state IN ('queued', 'sending', 'processing')`,
      )
      .bind(error.slice(0, 500), now, payoutId)
      .run();
    return;
  }
  await db.batch([
    db
      .prepare(
        `UPDATE payouts SET state = 'failed', failure_code = ?1, last_error = ?2, leased_until = NULL,
           next_attempt_at = NULL, updated_at = ?3 WHERE id = ?4 AND state IN ('queued', 'sending', 'processing')`,
      )
      .bind(code, error.slice(0, 500), now, payoutId),
    db
      .prepare(
        `${VOID_TAKEN_BACK}
           AND EXISTS (SELECT 1 FROM payouts p WHERE p.id = ?2 AND p.state = 'failed' AND p.failure_code <> 'needs_review')`,
      )
      .bind(now, payoutId),
    db
      .prepare(
        `UPDATE rewards SET payout_id = NULL WHERE payout_id = ?1 AND state = 'approved'
           AND EXISTS (SELECT 1 FROM payouts p WHERE p.id = ?1 AND p.state = 'failed' AND p.failure_code <> 'needs_review')`,
      )
      .bind(payoutId),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and polling (the PAYOUTS queue's consumer; the cron queues what is due).

const CLAIM = `UPDATE payouts SET state = CASE state WHEN 'queued' THEN 'sending' ELSE state END,
    attempts = attempts + 1, leased_until = ?2 + ?3, updated_at = ?2
  WHERE id = ?1 AND state IN ('queued', 'processing') AND next_attempt_at <= ?2 RETURNING *`;

/** One step of one payout: send it (queued) or ask what became of it (processing). Safe to run twice. */
export async function advancePayout(
  env: PayoutEnv,
  payoutId: string,
  now: number,
): Promise<{ state: string; retryDelayS?: number }> {
  const db = env.DB;
  const [claimRes, programRes] = await db.batch([
    db.prepare(CLAIM).bind(payoutId, now, PAYOUT_LEASE_MS),
    db
      .prepare(
        `SELECT g.name, s.methods, s.minimum_amounts, s.yearly_limits, s.tremendous_products, s.tremendous_campaign_id,
           m.name AS member_name, m.suspended_at AS member_suspended_at
         FROM payouts p JOIN programs g ON g.id = p.program_id LEFT JOIN payout_settings s ON s.program_id = p.program_id
           LEFT JOIN members m ON m.id = p.member_id WHERE p.id = ?`,
      )
      .bind(payoutId),
  ]);
  const payout = claimRes?.results[0] as PayoutRow | undefined;
  if (!payout) return { state: "not_due" };
  const info = programRes?.results[0] as
    | (Parameters<typeof settingsFromRow>[0] & {
        name: string;
        member_name: string | null;
        member_suspended_at: number | null;
      })
    | undefined;
  if (!(PROVIDER_METHODS as readonly string[]).includes(payout.method)) return { state: payout.state };
  const provider = payoutProviderFor(env, payout.method as ProviderMethod);
  if (typeof provider === "string") {
    await markFailed(db, payout.id, payout.attempts > 1 ? "needs_review" : "not_configured", provider, now);
    return { state: "failed" };
  }

  if (payout.state === "processing") {
    if (!payout.provider_id) {
      await markFailed(db, payout.id, "rejected", "processing without a provider id", now);
      return { state: "failed" };
    }
    const answer = await provider.status({ payoutId: payout.id, providerId: payout.provider_id });
    if (answer.kind === "paid") {
      await markPaid(db, payout.id, answer.providerStatus, now);
      return { state: "paid" };
    }
    if (answer.kind === "failed") {
      await markFailed(db, payout.id, answer.code, answer.error, now);
      return { state: "failed" };
    }
    const delay = POLL_DELAYS_S[Math.min(payout.attempts - 1, POLL_DELAYS_S.length - 1)] ?? 3_600;
    await db
      .prepare(
        `UPDATE payouts SET next_attempt_at = ?1, leased_until = ?1 + ?2, provider_status = COALESCE(?3, provider_status),
           last_error = ?4, updated_at = ?5 WHERE id = ?6 AND state = 'processing'`,
      )
      .bind(
        now + delay * 1000,
        PAYOUT_LEASE_MS,
        answer.kind === "processing" ? answer.providerStatus : null,
        answer.kind === "retry" ? answer.error.slice(0, 500) : null,
        now,
        payout.id,
      )
      .run();
    return { state: "processing", retryDelayS: delay };
  }

  // state is now 'sending'. A member suspended since the run is not paid (a first attempt only: after one, the money
  // may already be on its way and the provider's answer decides).
  if (payout.attempts === 1 && info?.member_suspended_at != null) {
    await markFailed(db, payout.id, "member_suspended", "The member was suspended after the run.", now);
    return { state: "failed" };
  }
  // Ask the provider to pay, with our payout id as its idempotency field.
  const recipientEmail = emailIn(payout.recipient);
  if (!recipientEmail || !payout.currency || !payout.amount || payout.amount <= 0) {
    await markFailed(db, payout.id, "invalid_recipient", "The member has no address to pay to.", now);
    return { state: "failed" };
  }
  const settings = settingsFromRow(info?.methods ? info : null);
  const answer = await provider.send({
    payoutId: payout.id,
    programName: info?.name ?? "Referral program",
    amount: payout.amount,
    currency: payout.currency,
    recipient: { email: recipientEmail, name: info?.member_name ?? null },
    note: `Your referral reward from ${info?.name ?? "our referral program"}. Thank you for spreading the word!`,
    tremendous: { products: settings.tremendous.products, campaignId: settings.tremendous.campaign_id },
  });
  if (answer.kind === "accepted") {
    // Paid already (a Tremendous order EXECUTED on creation), or ask once straight away: a small batch is often
    // settled within a second, and then the reward is paid now.
    const first: StatusAnswer = answer.paid
      ? { kind: "paid", providerStatus: answer.providerStatus }
      : await provider.status({ payoutId: payout.id, providerId: answer.providerId });
    if (first.kind === "paid" || first.kind === "failed") {
      await db
        .prepare("UPDATE payouts SET provider_id = ?, provider_status = ? WHERE id = ? AND state = 'sending'")
        .bind(answer.providerId, first.providerStatus, payout.id)
        .run();
      if (first.kind === "failed") await markFailed(db, payout.id, first.code, first.error, now);
      else await markPaid(db, payout.id, first.providerStatus, now);
      return { state: first.kind };
    }
    const delay = POLL_DELAYS_S[0];
    await db
      .prepare(
        `UPDATE payouts SET state = 'processing', provider_id = ?1, provider_status = ?2, attempts = 0,
           next_attempt_at = ?3, leased_until = ?3 + ?4, last_error = NULL, updated_at = ?5 WHERE id = ?6 AND state = 'sending'`,
      )
      .bind(
        answer.providerId,
        first.kind === "processing" ? first.providerStatus : answer.providerStatus,
        now + delay * 1000,
        PAYOUT_LEASE_MS,
        now,
        payout.id,
      )
      .run();
    return { state: "processing", retryDelayS: delay };
  }
  if (answer.kind === "failed") {
    // A refusal of a resend may be caused by the first send (its balance spent, its batch id taken): ask a person.
    const unsure = payout.attempts > 1 || answer.code === "duplicate";
    await markFailed(db, payout.id, unsure ? "needs_review" : answer.code, answer.error, now);
    return { state: "failed" };
  }
  const base = SEND_RETRY_DELAYS_S[payout.attempts - 1];
  if (base === undefined) {
    await markFailed(db, payout.id, "needs_review", `Gave up after ${payout.attempts} attempts: ${answer.error}`, now);
    return { state: "failed" };
  }
  const delay = Math.max(base, Math.min(answer.retryAfterS ?? 0, 43_200));
  await db
    .prepare(
      `UPDATE payouts SET state = 'queued', next_attempt_at = ?1, leased_until = ?1 + ?2, last_error = ?3, updated_at = ?4
       WHERE id = ?5 AND state = 'sending'`,
    )
    .bind(now + delay * 1000, PAYOUT_LEASE_MS, answer.error.slice(0, 500), now, payout.id)
    .run();
  return { state: "queued", retryDelayS: delay };
}

export async function consumePayouts(batch: MessageBatch<PayoutMessage>, env: PayoutEnv): Promise<void> {
  for (const msg of batch.messages) {
    const outcome = await advancePayout(env, msg.body.payout_id, Date.now());
    if (outcome.retryDelayS !== undefined) msg.retry({ delaySeconds: Math.min(outcome.retryDelayS, 43_200) });
    else msg.ack();
  }
}

/**
 * The cron: a payout claimed by a worker that died (`sending` past its lease) goes back to `queued` (resending is
 * safe: the provider dedupes by our id); due payouts on no queue are leased and queued; without a queue they are
 * advanced here.
 */
export async function dispatchDuePayouts(env: PayoutEnv, opts: { now: number; limit?: number }): Promise<number> {
  const { now } = opts;
  const [, due] = await env.DB.batch([
    env.DB.prepare(
      "UPDATE payouts SET state = 'queued', next_attempt_at = ?1 WHERE state = 'sending' AND leased_until <= ?1",
    ).bind(now),
    env.DB.prepare(
      `UPDATE payouts SET leased_until = ?1 + ?3 WHERE id IN (
         SELECT id FROM payouts WHERE state IN ('queued', 'processing') AND next_attempt_at <= ?1
           AND (leased_until IS NULL OR leased_until <= ?1) ORDER BY next_attempt_at LIMIT ?2)
       RETURNING id`,
    ).bind(now, opts.limit ?? 100, PAYOUT_LEASE_MS),
  ]);
  const ids = ((due?.results ?? []) as { id: string }[]).map((r) => r.id);
  if (env.PAYOUTS) {
    for (let i = 0; i < ids.length; i += 100) {
      await env.PAYOUTS.sendBatch(ids.slice(i, i + 100).map((id) => ({ body: { payout_id: id } })));
    }
  } else {
    // No queue: the lease above would keep the claim from matching, so clear it first.
    for (const id of ids) {
      await env.DB.prepare("UPDATE payouts SET leased_until = NULL WHERE id = ?").bind(id).run();
      await advancePayout(env, id, now);
    }
  }
  return ids.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Reads and the host's own confirmations.

export async function getPayout(db: D1Database, programId: string, id: string): Promise<PayoutRow> {
  const row = await db
    .prepare("SELECT * FROM payouts WHERE id = ? AND program_id = ?")
    .bind(id, programId)
    .first<PayoutRow>();
  if (!row) throw new ApiError("payout_not_found", `No payout ${id} in this program.`);
  return row;
}

/** Account credit: the host applied it and says so; the payout and its rewards are paid. */
export async function confirmPayout(db: D1Database, programId: string, id: string, now: number): Promise<PayoutRow> {
  const payout = await getPayout(db, programId, id);
  if (payout.state === "paid") return payout;
  if (payout.method !== "account_credit" || payout.state !== "processing") {
    throw new ApiError(
      "invalid_payout_state",
      payout.method === "account_credit"
        ? `A ${payout.state} payout cannot be confirmed.`
        : `A ${payout.method} payout is confirmed by its provider, not by hand.`,
      { state: payout.state, method: payout.method },
    );
  }
  await markPaid(db, id, "confirmed_by_host", now);
  return getPayout(db, programId, id);
}

/** Cancels a payout nobody has sent yet (queued, or account credit not yet applied); its rewards go back. */
export async function cancelPayout(db: D1Database, programId: string, id: string, now: number): Promise<PayoutRow> {
  const payout = await getPayout(db, programId, id);
  const cancellable =
    (payout.state === "queued" && payout.attempts === 0) ||
    (payout.method === "account_credit" && payout.state === "processing") ||
    (payout.state === "failed" && payout.failure_code === "needs_review");
  if (!cancellable) {
    throw new ApiError("invalid_payout_state", `A ${payout.state} ${payout.method} payout cannot be canceled.`, {
      state: payout.state,
      method: payout.method,
    });
  }
  // One conditional statement, so a worker that claimed the payout meanwhile wins; the rewards are released only
  // when this cancel is what failed it.
  const [cancelled] = await db.batch([
    db
      .prepare(
        `UPDATE payouts SET state = 'failed', failure_code = 'canceled', last_error = 'Canceled by the vendor.',
           leased_until = NULL, next_attempt_at = NULL, updated_at = ?1
         WHERE id = ?2 AND ((state = 'queued' AND attempts = 0) OR (method = 'account_credit' AND state = 'processing')
           OR (state = 'failed' AND failure_code = 'needs_review')) RETURNING id`,
      )
      .bind(now, id),
    db
      .prepare(
        `${VOID_TAKEN_BACK} AND EXISTS (SELECT 1 FROM payouts p WHERE p.id = ?2 AND p.failure_code = 'canceled')`,
      )
      .bind(now, id),
    db
      .prepare(
        `UPDATE rewards SET payout_id = NULL WHERE payout_id = ?1 AND state = 'approved'
           AND EXISTS (SELECT 1 FROM payouts p WHERE p.id = ?1 AND p.failure_code = 'canceled')`,
      )
      .bind(id),
  ]);
  if (!cancelled?.results.length) {
    const now2 = await getPayout(db, programId, id);
    throw new ApiError("invalid_payout_state", `A ${now2.state} ${now2.method} payout cannot be canceled now.`, {
      state: now2.state,
      method: now2.method,
    });
  }
  return getPayout(db, programId, id);
}

export type { Waiting };

/** What the portal tells a member about their money: their method, what is on its way, and what waits and why. */
export async function memberPayoutStatus(db: D1Database, programId: string, memberId: string, now: number) {
  const reader: Reader = { batch: (s) => db.batch(s) };
  const [inputs, flights] = await Promise.all([
    readRunInputs(db, reader, programId, { member_ids: [memberId] }, now),
    db
      .prepare(
        `SELECT * FROM payouts WHERE member_id = ? AND (state IN ('queued', 'sending', 'processing') OR state = 'paid')
         ORDER BY created_at DESC LIMIT 10`,
      )
      .bind(memberId)
      .all<PayoutRow>(),
  ]);
  const { settings, candidates, facts, paid } = inputs;
  const plan = planRun(settings, candidates, facts, paid);
  const member = facts.get(memberId);
  return {
    settings,
    method: member?.method ?? null,
    methodEmail: emailIn(member?.details),
    /** Paid by the next run (the member's method is set and nothing holds it back). */
    next: plan.payouts.map((p) => ({ amount: p.amount, currency: p.currency })),
    waiting: plan.waiting,
    onTheWay: flights.results.filter((p) => p.state !== "paid"),
    paid: flights.results.filter((p) => p.state === "paid").slice(0, 5),
  };
}
export type MemberPayoutStatus = Awaited<ReturnType<typeof memberPayoutStatus>>;
