import { newId } from "../lib/ids";
import type { Program } from "../programs/service";
import type { EventRow, ReferralRow } from "../referrals/service";
import { type ExistingReward, evaluateRewards, type MemberHistory } from "./engine";
import { monthOf } from "./raffle";
import { CURRENT_RULES_SQL, type RulesRow, toRuleset } from "./rules";

export interface TransitionContext {
  /** The referral as it is after this event. */
  referral: ReferralRow;
  /** The event being written. */
  event: EventRow;
  /** Every event of this referral up to and including this one, oldest first. */
  history: EventRow[];
  /** `rewardReadStatements` results the caller already fetched in its own read batch. */
  prefetched?: D1Result[] | undefined;
}

/** A scalar SQL expression with its parameters, e.g. `{ sql: "?", params: [id] }` or a subquery. */
export interface SqlRef {
  sql: string;
  params: (string | number | null)[];
}

export const valueRef = (value: string): SqlRef => ({ sql: "?", params: [value] });

/**
 * The reads `rewardStatements` needs, as statements a caller can put into its own read batch before it
 * knows the member's id (e.g. `(SELECT id FROM members WHERE code = ? AND program_id = ?)`).
 */
export function rewardReadStatements(
  db: D1Database,
  programId: string,
  member: SqlRef,
  referral: SqlRef,
): D1PreparedStatement[] {
  const counts = `WITH target(member_id, referral_id) AS (SELECT ${member.sql}, ${referral.sql}) ${MEMBER_COUNTS_SQL.replace(
    "?1",
    "(SELECT member_id FROM target)",
  ).replace("?2", "(SELECT referral_id FROM target)")}`;
  return [
    db.prepare(CURRENT_RULES_SQL).bind(programId),
    db.prepare(`SELECT version FROM referrals WHERE id = (${referral.sql})`).bind(...referral.params),
    db.prepare(counts).bind(...member.params, ...referral.params),
    db
      .prepare(
        `SELECT rule_id, COUNT(*) AS count, COALESCE(SUM(amount), 0) AS amount FROM rewards
         WHERE member_id = (${member.sql}) AND state != 'voided' GROUP BY rule_id`,
      )
      .bind(...member.params),
    db
      .prepare(`SELECT COALESCE(MAX(tick), 0) AS tick FROM member_reward_ticks WHERE member_id = (${member.sql})`)
      .bind(...member.params),
    db
      .prepare(
        `SELECT id, rule_id, state, available_at, while_active FROM rewards
         WHERE referral_id = (${referral.sql}) AND state IN ('pending', 'approved')`,
      )
      .bind(...referral.params),
  ];
}

/**
 * Counts over a member's referrals, the same as `summarizeMemberHistory`: a refunded sale is not a
 * successful referral; a churned customer was one. Only `lost` rows need their events read.
 */
export const MEMBER_COUNTS_SQL = `SELECT COUNT(*) AS leads,
  COALESCE(SUM(status IN ('qualified', 'converted', 'renewed', 'refunded') OR (status = 'lost' AND EXISTS (
    SELECT 1 FROM events e WHERE e.referral_id = r.id AND e.to_status IN ('qualified', 'converted')))), 0) AS qualified,
  COALESCE(SUM(status IN ('converted', 'renewed') OR (status = 'lost' AND EXISTS (
    SELECT 1 FROM events e WHERE e.referral_id = r.id AND e.to_status = 'converted'))), 0) AS converted,
  COALESCE(SUM(status IN ('converted', 'renewed')), 0) AS active
FROM referrals r WHERE member_id = ?1 AND id != ?2`;

export interface MemberCounts {
  leads: number;
  qualified: number;
  converted: number;
  active: number;
}

/**
 * What D1 holds before this batch: rules, the referral's stored version, the member's counts without
 * this referral, cap totals, the member's last tick, and this referral's live rewards. Events of one
 * batch see the same D1 state, so they share one read: the batch's first event object is the key
 * (every call of one `planTransitions` gets the same objects; a re-planned attempt gets new ones).
 */
const readsByBatch = new WeakMap<object, Promise<D1Result[]>>();

function stateBefore(db: D1Database, program: Program, ctx: TransitionContext): Promise<D1Result[]> {
  if (ctx.prefetched) return Promise.resolve(ctx.prefetched);
  const key = ctx.history[0] ?? ctx.event;
  const cached = readsByBatch.get(key);
  if (cached) return cached;
  const { referral } = ctx;
  const reads = db.batch(rewardReadStatements(db, program.id, valueRef(referral.member_id), valueRef(referral.id)));
  readsByBatch.set(key, reads);
  return reads;
}

/**
 * Ledger writes that a status event earns. They run in the same D1 batch as the event, so a retried or
 * racing request can never pay twice:
 * - the event's `(referral_id, seq)` is unique, so a second request for the same move fails whole;
 * - each reward has a dedupe key (rule + referral + stage or renewal number) under a unique index,
 *   inserted with `ON CONFLICT DO NOTHING`;
 * - when the outcome depends on the member's other referrals (milestone, tier, cap), the batch also
 *   claims the member's next tick; a racing batch that read the same counts claims the same tick and
 *   rolls back, and `runIdempotent` plans it again with fresh counts.
 *
 * Member counts come from D1 minus this referral; this referral's own part comes from `history`, which
 * already holds the earlier events of the same batch (a conversion that creates its referral writes
 * `lead` and `converted` together).
 */
export async function rewardStatements(
  db: D1Database,
  program: Program,
  ctx: TransitionContext,
): Promise<D1PreparedStatement[]> {
  const { referral, event } = ctx;
  const [rulesRes, versionRes, countsRes, totalsRes, tickRes, existingRes] = await stateBefore(db, program, ctx);
  const ruleset = toRuleset(rulesRes?.results[0] as RulesRow | undefined);
  if (!ruleset) return [];

  const counts = (countsRes?.results[0] ?? {}) as Partial<MemberCounts>;
  const member: MemberHistory = {
    leads: counts.leads ?? 0,
    qualified: counts.qualified ?? 0,
    converted: counts.converted ?? 0,
    active: counts.active ?? 0,
    ruleTotals: {},
  };
  for (const t of (totalsRes?.results ?? []) as { rule_id: string; count: number; amount: number }[]) {
    member.ruleTotals[t.rule_id] = { count: t.count, amount: t.amount };
  }
  const existing: ExistingReward[] = (
    (existingRes?.results ?? []) as {
      id: string;
      rule_id: string;
      state: "pending";
      available_at: number;
      while_active: number;
    }[]
  ).map((r) => ({ ...r, while_active: r.while_active === 1 }));

  const result = evaluateRewards(ruleset, { referral, events: ctx.history, rewards: existing }, member);

  const statements: D1PreparedStatement[] = [];
  if (result.memberDependent) {
    // Events of the same batch claim consecutive ticks: this event is the k-th new one of its referral.
    const storedVersion = ((versionRes?.results[0] as { version?: number } | undefined)?.version ?? 0) as number;
    const tick = ((tickRes?.results[0] as { tick?: number } | undefined)?.tick ?? 0) + (event.seq - storedVersion);
    statements.push(
      db
        .prepare("INSERT INTO member_reward_ticks (member_id, tick, event_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(referral.member_id, tick, event.id, event.created_at),
    );
  }
  for (const e of result.entries) {
    statements.push(
      db
        .prepare(
          `INSERT INTO rewards (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version,
             dedupe_key, kind, amount, currency, description, state, auto_approve, while_active, available_at, created_at,
             approved_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .bind(
          newId("rwd"),
          program.id,
          referral.member_id,
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
          e.available_at,
          event.created_at,
          e.state === "approved" ? event.created_at : null,
        ),
    );
  }
  const byReason = new Map<string, string[]>();
  for (const v of result.voids) byReason.set(v.reason, [...(byReason.get(v.reason) ?? []), v.id]);
  for (const [reason, ids] of byReason) {
    statements.push(
      db
        .prepare(
          `UPDATE rewards SET state = 'voided', voided_at = ?, void_reason = ?
           WHERE id IN (SELECT value FROM json_each(?)) AND state IN ('pending', 'approved')`,
        )
        .bind(event.created_at, event.reason ? `${reason}: ${event.reason}` : reason, JSON.stringify(ids)),
    );
  }
  if (result.raffleEntries > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO raffle_entries (id, program_id, member_id, referral_id, event_id, month, entries, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          newId("raf"),
          program.id,
          referral.member_id,
          referral.id,
          event.id,
          monthOf(event.created_at),
          result.raffleEntries,
          event.created_at,
        ),
    );
  }
  return statements;
}
