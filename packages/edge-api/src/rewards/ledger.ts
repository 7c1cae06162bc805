import type { z } from "zod";
import { ApiError } from "../lib/errors";
import type { Outcome, Reader } from "../lib/idempotency";
import { newId } from "../lib/ids";
import type { Page } from "../lib/pagination";
import { listPage, rowInProgram } from "../lib/program-rows";
import { iso } from "../lib/time";
import type { EventRow, ReferralRow } from "../referrals/service";
import type { ExistingReward, LedgerEntry } from "./engine";
import type { ListRewardsQuery, PayInput, Recipient, RewardKind, RewardState, skippedSchema } from "./schema";

/**
 * What approval asks of a reward besides its state and hold: not waiting for its lead to qualify, its
 * member not suspended, its referral not refunded or lost. (Clawbacks are written approved.)
 */
const APPROVABLE = `awaiting_qualification = 0
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = rewards.member_id AND m.suspended_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM referrals f WHERE f.id = rewards.referral_id AND f.status IN ('lost', 'refunded'))`;

export interface RewardRow {
  id: string;
  program_id: string;
  member_id: string;
  referral_id: string;
  event_id: string;
  recipient: Recipient;
  rule_id: string;
  rule_version: number;
  dedupe_key: string;
  kind: RewardKind;
  amount: number;
  currency: string | null;
  description: string | null;
  state: RewardState;
  auto_approve: number;
  while_active: number;
  awaiting_qualification: number;
  clawback_of: string | null;
  available_at: number;
  created_at: number;
  approved_at: number | null;
  paid_at: number | null;
  payout_id: string | null;
  voided_at: number | null;
  void_reason: string | null;
  /** The experiment variant whose rule set it was earned under (migration 0016); null: the program's rules. */
  experiment_variant_id?: string | null;
  /** A take-back that reached the reward while a payout held it (migration 0018). */
  take_back_reason?: string | null;
}

/** A ledger row as the rewards engine reads it (for taking back, and recomputing milestones and tiers). */
export type LiveReward = ExistingReward & Pick<RewardRow, "referral_id" | "dedupe_key" | "amount" | "currency">;

export function liveReward(r: RewardRow): LiveReward {
  return { ...r, while_active: r.while_active === 1 };
}

export function rewardView(r: RewardRow) {
  return {
    id: r.id,
    state: r.state,
    member_id: r.member_id,
    referral_id: r.referral_id,
    event_id: r.event_id,
    recipient: r.recipient,
    kind: r.kind,
    amount: r.amount,
    currency: r.currency,
    description: r.description,
    rule: { id: r.rule_id, version: r.rule_version },
    auto_approve: r.auto_approve === 1,
    while_active: r.while_active === 1,
    awaiting_qualification: r.awaiting_qualification === 1,
    clawback_of: r.clawback_of,
    available_at: iso(r.available_at),
    created_at: iso(r.created_at),
    approved_at: iso(r.approved_at),
    paid_at: iso(r.paid_at),
    payout_id: r.payout_id,
    voided_at: iso(r.voided_at),
    void_reason: r.void_reason,
    take_back_reason: r.take_back_reason ?? null,
    experiment_variant_id: r.experiment_variant_id ?? null,
  };
}
export type RewardView = ReturnType<typeof rewardView>;

/**
 * Pending rewards of auto-approving programs whose hold has ended become approved. The cron runs it
 * for everyone every ten minutes; admin reads run it for their program first, so a payout run never
 * misses a reward that became due a minute ago.
 */
export function promoteDueStatement(db: D1Database, now: number, programId?: string): D1PreparedStatement {
  const set = "UPDATE rewards SET state = 'approved', approved_at = ?1";
  // Two shapes so each uses its index: per program (rewards_program_state) or everyone's (rewards_due).
  if (programId) {
    return db
      .prepare(
        `${set} WHERE program_id = ?2 AND state = 'pending' AND available_at <= ?1 AND auto_approve = 1 AND ${APPROVABLE}`,
      )
      .bind(now, programId);
  }
  return db
    .prepare(`${set} WHERE state = 'pending' AND available_at <= ?1 AND auto_approve = 1 AND ${APPROVABLE}`)
    .bind(now);
}

export async function promoteDue(db: D1Database, now: number, programId?: string): Promise<number> {
  const res = await promoteDueStatement(db, now, programId).run();
  return res.meta.changes ?? 0;
}

export function getReward(db: D1Database, programId: string, id: string): Promise<RewardRow> {
  return rowInProgram(db, "rewards", programId, id, ["reward_not_found", "reward"]);
}

export type Skipped = z.infer<typeof skippedSchema>;

type SkipRow = RewardRow & { member_suspended: number; referral_closed: number };

function skipReason(row: SkipRow | undefined, wanted: "approve" | "pay", now: number): Skipped["reason"] {
  if (!row) return "not_found";
  if (row.state === "voided") return "voided";
  if (row.state === "paid") return "already_paid";
  if (row.state === "in_review") return "in_review";
  if (wanted === "pay") return row.state === "approved" && row.payout_id ? "in_payout" : "not_approved";
  if (row.state === "approved") return "already_approved";
  if (row.available_at > now) return "on_hold";
  if (row.awaiting_qualification === 1) return "awaiting_qualification";
  if (row.member_suspended === 1) return "member_suspended";
  if (row.referral_closed === 1) return "referral_closed";
  return "not_found";
}

/** Approves pending rewards whose hold has ended. Rewards still on hold, paid or voided are reported, not changed. */
export async function approveRewards(
  db: D1Database,
  programId: string,
  ids: readonly string[],
  now: number,
): Promise<{ approved: RewardRow[]; skipped: Skipped[] }> {
  const unique = [...new Set(ids)];
  const { results: approved } = await db
    .prepare(
      `UPDATE rewards SET state = 'approved', approved_at = ?
       WHERE program_id = ? AND id IN (SELECT value FROM json_each(?)) AND state = 'pending' AND available_at <= ?
         AND ${APPROVABLE}
       RETURNING *`,
    )
    .bind(now, programId, JSON.stringify(unique), now)
    .all<RewardRow>();
  const done = new Set(approved.map((r) => r.id));
  const rest = unique.filter((id) => !done.has(id));
  return { approved, skipped: await explainSkipped(db, programId, rest, "approve", now) };
}

async function explainSkipped(
  db: D1Database,
  programId: string,
  ids: string[],
  wanted: "approve" | "pay",
  now: number,
): Promise<Skipped[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT rewards.*,
         EXISTS (SELECT 1 FROM members m WHERE m.id = rewards.member_id AND m.suspended_at IS NOT NULL) AS member_suspended,
         EXISTS (SELECT 1 FROM referrals f WHERE f.id = rewards.referral_id AND f.status IN ('lost', 'refunded')) AS referral_closed
       FROM rewards WHERE program_id = ? AND id IN (SELECT value FROM json_each(?))`,
    )
    .bind(programId, JSON.stringify(ids))
    .all<SkipRow>();
  const byId = new Map(results.map((r) => [r.id, r]));
  return ids.map((id) => ({ id, reason: skipReason(byId.get(id), wanted, now) }));
}

export async function explainPaySkipped(db: D1Database, programId: string, ids: string[], now: number) {
  return explainSkipped(db, programId, ids, "pay", now);
}

/** CSV for a payout run: one approved reward per line, with who to pay. Cells that a spreadsheet would run as a formula are quoted as text. */
export function toCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null) => {
    if (v === null) return "";
    let s = String(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${rows.map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

/** Minor units as a decimal string for humans and payout tools: 12345 → "123.45" (2 decimals; 0 for JPY-like). */
export function formatMinor(amount: number, currency: string | null): string {
  const digits = currency && ZERO_DECIMAL.has(currency) ? 0 : 2;
  if (digits === 0) return String(amount);
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const ZERO_DECIMAL = new Set(["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"]);

/**
 * Voids unpaid rewards (a paid one is never edited; see `takeBack` for clawbacks). `takeBack` says the void comes
 * from a take-back (`RewardVoid.takeBack`: a refund, a recompute, a reattribution, a rejection), where a paid reward
 * would be clawed back: then a reward a payout holds (approved, with a payout id: src/payouts) is marked for its
 * payout to settle, and one paid since the caller read it is clawed back in the same batch.
 */
export function voidStatements(
  db: D1Database,
  ids: readonly string[],
  reason: string,
  at: number,
  takeBack: boolean,
): D1PreparedStatement[] {
  const list = JSON.stringify(ids);
  if (!takeBack) {
    // A lost deal or a churn: what is unpaid is voided; a reward a payout holds is left to its payout (it is
    // clawed back only where a paid one would be, src/payouts/service.ts REFERRAL_CLOSED).
    return [
      db
        .prepare(
          `UPDATE rewards SET state = 'voided', voided_at = ?1, void_reason = ?2
           WHERE id IN (SELECT value FROM json_each(?3)) AND state IN ('pending', 'approved', 'in_review')
             AND payout_id IS NULL`,
        )
        .bind(at, reason, list),
    ];
  }
  return [
    // A reward a payout holds is not voided under its payout: the take-back is written on it, and the payout's
    // outcome settles it (a clawback once paid, a void if it fails; src/payouts/service.ts, migration 0018).
    db
      .prepare(
        `UPDATE rewards SET
           state = CASE WHEN payout_id IS NULL THEN 'voided' ELSE state END,
           voided_at = CASE WHEN payout_id IS NULL THEN ?1 ELSE voided_at END,
           void_reason = CASE WHEN payout_id IS NULL THEN ?2 ELSE void_reason END,
           take_back_reason = CASE WHEN payout_id IS NULL THEN take_back_reason ELSE COALESCE(take_back_reason, ?2) END
         WHERE id IN (SELECT value FROM json_each(?3)) AND state IN ('pending', 'approved', 'in_review')`,
      )
      .bind(at, reason, list),
    // One paid since the caller read it (its payout confirmed meanwhile, or someone marked it paid) is clawed
    // back, as it would have been had it been read paid.
    db
      .prepare(clawbackInsertSql("?2", "FROM rewards w WHERE w.id IN (SELECT value FROM json_each(?3))"))
      .bind(at, reason, list),
  ];
}

/**
 * Clawbacks of the paid rewards `w` that `fromWhere` selects (`FROM rewards w … WHERE …`): a negative, approved
 * entry of the same kind and currency each, netted from the member's next payout, once per reward ever (its dedupe
 * key `clawback:<id>`). `reasonSql` is the SQL for the words in "Clawback (…)"; `?1` is now.
 */
export function clawbackInsertSql(reasonSql: string, fromWhere: string): string {
  return `INSERT INTO rewards (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version,
      dedupe_key, kind, amount, currency, description, state, auto_approve, while_active, awaiting_qualification,
      clawback_of, available_at, created_at, approved_at)
    SELECT 'rwd_' || lower(hex(randomblob(8))), w.program_id, w.member_id, w.referral_id, w.event_id, w.recipient,
      w.rule_id, w.rule_version, 'clawback:' || w.id, w.kind, -w.amount, w.currency,
      'Clawback (' || ${reasonSql} || ')' || COALESCE(': ' || w.description, ''), 'approved', 1, 0, 0, w.id, ?1, ?1, ?1
    ${fromWhere} AND w.state = 'paid' AND w.amount > 0 AND w.clawback_of IS NULL
    ON CONFLICT DO NOTHING`;
}

/** One ledger row, `ON CONFLICT DO NOTHING` on the dedupe key: the same thing is never paid twice. */
export function rewardInsert(
  db: D1Database,
  programId: string,
  referral: Pick<ReferralRow, "id" | "member_id">,
  event: Pick<EventRow, "id" | "created_at">,
  e: Omit<LedgerEntry, "state"> & { state: RewardState; id?: string; experiment_variant_id?: string | null },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO rewards (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version,
         dedupe_key, kind, amount, currency, description, state, auto_approve, while_active, awaiting_qualification,
         clawback_of, available_at, created_at, approved_at, experiment_variant_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(
      e.id ?? newId("rwd"),
      programId,
      e.member_id ?? referral.member_id,
      referral.id,
      event.id,
      e.recipient,
      e.rule_id,
      e.rule_version,
      e.dedupe_key,
      e.kind,
      e.amount,
      e.currency,
      e.description,
      e.state,
      e.auto_approve ? 1 : 0,
      e.while_active ? 1 : 0,
      e.awaiting_qualification ? 1 : 0,
      e.clawback_of ?? null,
      e.available_at,
      event.created_at,
      e.state === "approved" ? event.created_at : null,
      e.experiment_variant_id ?? null,
    );
}

/** The ledger, newest first, with the list route's filters. Due rewards are promoted first. */
export async function listRewards(db: D1Database, programId: string, q: ListRewardsQuery): Promise<Page<RewardRow>> {
  await promoteDue(db, Date.now(), programId);
  const { state, member_id, referral_id, recipient, kind, rule_id, currency } = q;
  return listPage<RewardRow>(
    db,
    { table: "rewards" },
    { program_id: programId, state, member_id, referral_id, recipient, kind, rule_id, currency },
    q,
  );
}

/** Approves one reward, or says precisely why not (unknown, still on hold, or in another state). */
export async function approveReward(db: D1Database, programId: string, id: string, now: number): Promise<RewardRow> {
  const { approved, skipped } = await approveRewards(db, programId, [id], now);
  const done = approved[0];
  if (done) return done;
  const reason = skipped[0]?.reason ?? "not_found";
  if (reason === "not_found") throw new ApiError("reward_not_found", `No reward ${id} in this program.`);
  if (reason === "on_hold") {
    const row = await getReward(db, programId, id);
    throw new ApiError("reward_on_hold", "This reward is still in its hold period.", {
      available_at: new Date(row.available_at).toISOString(),
    });
  }
  throw new ApiError("invalid_reward_state", `This reward cannot be approved (${reason}).`, { reason });
}

/** Voids a pending or approved reward by hand, with a reason. A paid reward stays paid. */
export async function voidReward(db: D1Database, programId: string, id: string, reason: string): Promise<RewardRow> {
  const row = await db
    .prepare(
      `UPDATE rewards SET state = 'voided', voided_at = ?, void_reason = ?
       WHERE id = ? AND program_id = ? AND state IN ('pending', 'approved') AND payout_id IS NULL RETURNING *`,
    )
    .bind(Date.now(), reason, id, programId)
    .first<RewardRow>();
  if (row) return row;
  const current = await getReward(db, programId, id);
  if (current.state === "approved" && current.payout_id) {
    throw new ApiError("reward_in_payout", "This reward is in a payout on its way; it cannot be voided now.", {
      payout_id: current.payout_id,
    });
  }
  throw new ApiError("invalid_reward_state", `A ${current.state} reward cannot be voided.`, { state: current.state });
}

/**
 * Plans a payout for `runIdempotent`: marks the approved rewards among `ids` paid under one payout. The payout
 * row counts the rewards it really moved; if a reward changed state since it was read the count is NULL, the
 * NOT NULL column refuses it, and the whole batch rolls back (see `isPayoutRace`).
 */
export async function planPayout(db: D1Database, programId: string, input: PayInput, reader: Reader): Promise<Outcome> {
  const now = Date.now();
  await promoteDue(db, now, programId);
  const unique = [...new Set(input.ids)];
  // Through the reader, so a replay is answered from the stored response, not from today's state.
  const [payableRes] = await reader.batch([
    db
      .prepare(
        `SELECT * FROM rewards WHERE program_id = ? AND id IN (SELECT value FROM json_each(?)) AND state = 'approved'
           AND payout_id IS NULL AND take_back_reason IS NULL`,
      )
      .bind(programId, JSON.stringify(unique)),
  ]);
  const payable = (payableRes?.results ?? []) as RewardRow[];
  const payableIds = new Set(payable.map((r) => r.id));
  const skipped = await explainPaySkipped(
    db,
    programId,
    unique.filter((id) => !payableIds.has(id)),
    now,
  );
  if (payable.length === 0) {
    throw new ApiError("invalid_reward_state", "None of these rewards is approved, so there is nothing to pay.", {
      skipped,
    });
  }
  const payoutId = newId("pay");
  const paid = payable.map((r) => ({ ...r, state: "paid" as const, paid_at: now, payout_id: payoutId }));
  const totals: Record<string, number> = {};
  for (const r of paid) if (r.currency) totals[r.currency] = (totals[r.currency] ?? 0) + r.amount;
  return {
    status: 201,
    body: {
      payout: { id: payoutId, reference: input.payout_reference, reward_count: paid.length, totals },
      paid: paid.map(rewardView),
      skipped,
    },
    statements: [
      db
        .prepare(
          `UPDATE rewards SET state = 'paid', paid_at = ?, payout_id = ?
           WHERE program_id = ? AND id IN (SELECT value FROM json_each(?)) AND state = 'approved' AND payout_id IS NULL`,
        )
        .bind(now, payoutId, programId, JSON.stringify([...payableIds])),
      db
        .prepare(
          `INSERT INTO payouts (id, program_id, reference, reward_count, created_at)
           VALUES (?1, ?2, ?3, (SELECT CASE WHEN COUNT(*) = ?4 THEN COUNT(*) END FROM rewards WHERE payout_id = ?1), ?5)`,
        )
        .bind(payoutId, programId, input.payout_reference, paid.length, now),
    ],
  };
}

/** A payout whose rewards changed state between its read and its write (the payout row's count was NULL). */
export function isPayoutRace(err: unknown): boolean {
  return String((err as Error)?.message).includes("NOT NULL constraint failed");
}
