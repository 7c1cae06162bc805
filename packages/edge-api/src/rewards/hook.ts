import { memberRuleset, memberRulesStatement } from "../experiments/service";
import { newId } from "../lib/ids";
import { getOrSet } from "../lib/memo";
import { type SqlRef, valueRef } from "../lib/sql";
import type { Program } from "../programs/service";
import { lifecycleSql } from "../referrals/lifecycle";
import type { EarnedReward } from "../referrals/schema";
import type { EventRow, ReferralRow } from "../referrals/service";
import { type ExistingReward, evaluateRewards, type MemberHistory } from "./engine";
import { rewardInsert, voidStatements } from "./ledger";
import { monthOf } from "./raffle";
import { recomputeStatements } from "./recompute";
import type { RulesRow } from "./rules";

export interface TransitionContext {
  /** The referral as it is after this event. */
  referral: ReferralRow;
  /** This batch opens (or adds to) a fraud review of the referral: its rewards wait in review. */
  flagged?: boolean;
  /** Where the rewards this event earns are listed, for the change's answer. */
  earned?: EarnedReward[];
  /** The event being written. */
  event: EventRow;
  /** Every event of this referral up to and including this one, oldest first. */
  history: EventRow[];
  /** `rewardReadStatements` results the caller already fetched in its own read batch. */
  prefetched?: D1Result[] | undefined;
}

/**
 * The reads `rewardStatements` needs, as statements a caller can put into its own read batch before it
 * knows the member's id (e.g. `(SELECT id FROM members WHERE code = ? AND program_id = ?)`).
 */
/** How many statements `rewardReadStatements` returns, for callers slicing their batch's results. */
export const REWARD_READS = 7;

export function rewardReadStatements(
  db: D1Database,
  programId: string,
  member: SqlRef,
  referral: SqlRef,
): D1PreparedStatement[] {
  return [
    // The member's experiment variant's rules while one runs (src/experiments), else the program's.
    memberRulesStatement(db, programId, member),
    db.prepare(`SELECT version FROM referrals WHERE id = (${referral.sql})`).bind(...referral.params),
    memberCountsStatement(db, member, referral),
    db
      .prepare(
        `SELECT rule_id, COUNT(*) AS count, COALESCE(SUM(amount), 0) AS amount FROM rewards
         WHERE member_id = (${member.sql}) AND state != 'voided' AND take_back_reason IS NULL GROUP BY rule_id`,
      )
      .bind(...member.params),
    db
      .prepare(`SELECT COALESCE(MAX(tick), 0) AS tick FROM member_reward_ticks WHERE member_id = (${member.sql})`)
      .bind(...member.params),
    db
      .prepare(
        `SELECT id, member_id, rule_id, rule_version, state, available_at, while_active, recipient, kind, amount, currency,
           description FROM rewards WHERE referral_id = (${referral.sql}) AND state != 'voided' AND clawback_of IS NULL`,
      )
      .bind(...referral.params),
    db
      .prepare(
        `SELECT (SELECT suspended_at FROM members WHERE id = (${member.sql})) AS suspended_at,
           (SELECT status FROM reviews WHERE referral_id = (${referral.sql}) AND status = 'open') AS review_status,
           (SELECT rejected_at FROM referrals WHERE id = (${referral.sql})) AS rejected_at`,
      )
      .bind(...member.params, ...referral.params, ...referral.params),
  ];
}

const LIFECYCLE = lifecycleSql("r");

/**
 * Counts over a member's referrals by the lifecycle's definitions (referrals/lifecycle.ts), the same as
 * `summarizeMemberHistory`: a refunded sale is not a successful referral; a churned customer was one; a
 * rejected one counts for nothing. `member` and `referral` are SQL values (a parameter or a subquery); the
 * referral is left out of the counts (`""`: none).
 */
export function memberCountsStatement(db: D1Database, member: SqlRef, referral: SqlRef): D1PreparedStatement {
  return db
    .prepare(
      `WITH target(member_id, referral_id) AS (SELECT ${member.sql}, ${referral.sql})
       SELECT COALESCE(SUM(${LIFECYCLE.lead}), 0) AS leads, COALESCE(SUM(${LIFECYCLE.qualified}), 0) AS qualified,
         COALESCE(SUM(${LIFECYCLE.converted}), 0) AS converted, COALESCE(SUM(${LIFECYCLE.activeCustomer}), 0) AS active
       FROM referrals r WHERE member_id = (SELECT member_id FROM target) AND id != (SELECT referral_id FROM target)`,
    )
    .bind(...member.params, ...referral.params);
}

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
  const { referral } = ctx;
  return getOrSet(readsByBatch, ctx.history[0] ?? ctx.event, () =>
    db.batch(rewardReadStatements(db, program.id, valueRef(referral.member_id), valueRef(referral.id))),
  );
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
  const [rulesRes, versionRes, countsRes, totalsRes, tickRes, existingRes, standingRes] = await stateBefore(
    db,
    program,
    ctx,
  );
  const ruleset = memberRuleset(rulesRes?.results[0] as RulesRow | undefined);
  if (!ruleset) return [];
  const standing = (standingRes?.results[0] ?? {}) as {
    suspended_at?: number | null;
    review_status?: string | null;
    rejected_at?: number | null;
  };
  const underReview = ctx.flagged === true || standing.review_status === "open";
  // A suspended member, or a referral whose review was rejected, earns nothing new.
  const earnsNothing = standing.suspended_at != null || standing.rejected_at != null;

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
    (existingRes?.results ?? []) as (Omit<ExistingReward, "while_active"> & {
      while_active: number;
    })[]
  ).map((r) => ({ ...r, while_active: r.while_active === 1 }));

  const result = evaluateRewards(ruleset, { referral, events: ctx.history, rewards: existing }, member);
  if (earnsNothing) {
    result.entries = result.entries.filter((e) => e.clawback_of !== undefined);
    result.raffleEntries = 0;
  }

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
    // A clawback nets the next payout whatever the review says; anything else waits while under review.
    const state = underReview && e.clawback_of === undefined ? "in_review" : e.state;
    const id = newId("rwd");
    statements.push(
      rewardInsert(db, program.id, referral, event, {
        ...e,
        state,
        id,
        experiment_variant_id: ruleset.experiment_variant_id ?? null,
      }),
    );
    ctx.earned?.push({
      id,
      recipient: e.recipient,
      rule_id: e.rule_id,
      kind: e.kind,
      amount: e.amount,
      currency: e.currency,
      state,
      description: e.description,
    });
  }
  if (event.to_status === "refunded") {
    // This customer no longer counts: milestones, tiers and caps that counted them are recomputed.
    statements.push(
      ...(await recomputeStatements(db, program.id, ruleset, referral.member_id, new Set([referral.id]), {
        id: event.id,
        created_at: event.created_at,
        reason: "refunded",
      })),
    );
  }
  if (result.releaseQualification) {
    statements.push(
      db
        .prepare("UPDATE rewards SET awaiting_qualification = 0 WHERE referral_id = ? AND awaiting_qualification = 1")
        .bind(referral.id),
    );
  }
  // One statement per reason (and per kind of void: a take-back's, or a loss's).
  const groups = new Map<string, { ids: string[]; reason: string; takeBack: boolean }>();
  for (const v of result.voids) {
    const takeBack = v.takeBack === true;
    const key = `${takeBack}:${v.reason}`;
    const group = groups.get(key) ?? { ids: [], reason: v.reason, takeBack };
    group.ids.push(v.id);
    groups.set(key, group);
  }
  for (const { ids, reason, takeBack } of groups.values()) {
    const words = event.reason ? `${reason}: ${event.reason}` : reason;
    statements.push(...voidStatements(db, ids, words, event.created_at, takeBack));
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
