import type { ReferralStatus } from "../referrals/status";
import { type HistoryEvent, type LedgerEntry, takeBack } from "./engine";
import { type LiveReward, liveReward, type RewardRow, rewardInsert, voidStatements } from "./ledger";
import type { Ruleset } from "./schema";
import { type ScriptStep, simulateLedger } from "./simulate";

/**
 * Milestones, tiers and caps count the member's other referrals. When one stops counting (it was
 * refunded, or its fraud review rejected), the rewards that depended on it are recomputed: the member's
 * history is replayed through the engine as if that referral never counted. Live rewards of those rules
 * that the replay does not give are taken back (voided, or clawed back if paid); rewards the replay gives
 * that are missing are created. Matching is by dedupe key first, then by rule and amount, so a bonus that
 * merely moves to another referral (the 3rd customer is now a different one) stays where it is.
 */

export interface ReplayReferral {
  id: string;
  status: ReferralStatus;
  rejected: boolean;
  /** Oldest first. */
  events: HistoryEvent[];
}

export interface Recomputation {
  takeBack: LiveReward[];
  create: (LedgerEntry & { referral_id: string; event_id: string })[];
}

export function memberDependentRuleIds(ruleset: Ruleset): Set<string> {
  return new Set(ruleset.config.rules.filter((r) => r.milestone || r.tier || r.member_cap).map((r) => r.id));
}

export function recomputeMemberRewards(input: {
  ruleset: Ruleset;
  referrals: readonly ReplayReferral[];
  /** Referrals that no longer count (their own rewards are taken back by the caller). */
  excluded: ReadonlySet<string>;
  /** The member's live (not voided, not clawback) rewards. */
  live: readonly LiveReward[];
  /** Every dedupe key the member's ledger ever used, voided rows included: a voided reward never comes back. */
  usedKeys: ReadonlySet<string>;
  now: number;
}): Recomputation {
  const ruleIds = memberDependentRuleIds(input.ruleset);
  if (ruleIds.size === 0) return { takeBack: [], create: [] };
  const counting = input.referrals.filter((r) => !r.rejected && !input.excluded.has(r.id));
  const order = new Map(counting.map((r, i) => [r.id, i]));
  const steps: ScriptStep[] = counting
    .flatMap((r) => r.events.map((e) => ({ r, e })))
    .sort(
      (a, b) =>
        a.e.created_at - b.e.created_at || (order.get(a.r.id) ?? 0) - (order.get(b.r.id) ?? 0) || a.e.seq - b.e.seq,
    )
    .map(({ r, e }) => ({
      ref: r.id,
      to: e.to_status,
      at: e.created_at,
      event_id: e.id,
      ...(e.value_cents !== null ? { value_cents: e.value_cents } : {}),
      ...(e.currency !== null ? { currency: e.currency } : {}),
      ...(e.plan !== null ? { plan: e.plan } : {}),
    }));
  const expected = simulateLedger(input.ruleset, steps, input.now).rewards.filter(
    (w) => ruleIds.has(w.rule_id) && w.state !== "voided",
  );
  const existing = input.live.filter((w) => ruleIds.has(w.rule_id) && !input.excluded.has(w.referral_id));

  const unmatchedExpected = new Set(expected);
  const unmatchedExisting = new Set(existing);
  for (const w of existing) {
    const same = [...unmatchedExpected].find((x) => x.dedupe_key === w.dedupe_key);
    if (same) {
      unmatchedExpected.delete(same);
      unmatchedExisting.delete(w);
    }
  }
  for (const w of [...unmatchedExisting]) {
    const like = [...unmatchedExpected].find(
      (x) => x.rule_id === w.rule_id && x.amount === w.amount && x.currency === w.currency,
    );
    if (like) {
      unmatchedExpected.delete(like);
      unmatchedExisting.delete(w);
    }
  }
  const status = new Map(input.referrals.map((r) => [r.id, r.status]));
  const create = [...unmatchedExpected]
    // A reward on a lost or refunded referral could never be approved: leave it to the next referral. One
    // whose key the ledger already used (an admin voided it, say) is not brought back.
    .filter(
      (x) => status.get(x.ref) !== "lost" && status.get(x.ref) !== "refunded" && !input.usedKeys.has(x.dedupe_key),
    )
    // Written pending whatever the replay says: the cron and approval decide, with every check they make.
    .map(({ id: _id, ref, member: _member, void_reason: _void, state: _state, ...entry }) => ({
      ...entry,
      state: "pending" as const,
      referral_id: ref,
    }));
  return { takeBack: [...unmatchedExisting], create };
}

/** The reads a recomputation needs for one member, as one batch. */
export function recomputeReads(db: D1Database, memberId: string): D1PreparedStatement[] {
  return [
    db
      .prepare("SELECT id, status, rejected_at FROM referrals WHERE member_id = ? ORDER BY created_at, id")
      .bind(memberId),
    db
      .prepare(
        `SELECT e.referral_id, e.id, e.seq, e.to_status, e.value_cents, e.currency, e.plan, e.created_at
         FROM events e JOIN referrals r ON r.id = e.referral_id WHERE r.member_id = ? ORDER BY e.referral_id, e.seq`,
      )
      .bind(memberId),
    db.prepare("SELECT * FROM rewards WHERE member_id = ? AND clawback_of IS NULL").bind(memberId),
    db
      .prepare("SELECT referral_id FROM reviews WHERE member_id = ? AND status = 'open' AND referral_id IS NOT NULL")
      .bind(memberId),
    db.prepare("SELECT suspended_at FROM members WHERE id = ?").bind(memberId),
  ];
}

/**
 * Statements that bring a member's milestone, tier and cap rewards in line after `excluded` referrals
 * stopped counting; `cause` is the event (or decision) they are recorded against.
 */
export async function recomputeStatements(
  db: D1Database,
  programId: string,
  ruleset: Ruleset,
  memberId: string,
  excluded: ReadonlySet<string>,
  cause: { id: string; created_at: number; reason: string },
): Promise<D1PreparedStatement[]> {
  if (memberDependentRuleIds(ruleset).size === 0) return [];
  const [refsRes, eventsRes, rewardsRes, reviewsRes, memberRes] = await db.batch(recomputeReads(db, memberId));
  const events = new Map<string, ReplayReferral["events"]>();
  for (const e of (eventsRes?.results ?? []) as (HistoryEvent & { referral_id: string })[]) {
    const list = events.get(e.referral_id) ?? [];
    list.push(e);
    events.set(e.referral_id, list);
  }
  const referrals: ReplayReferral[] = (
    (refsRes?.results ?? []) as { id: string; status: ReferralStatus; rejected_at: number | null }[]
  ).map((r) => ({ id: r.id, status: r.status, rejected: r.rejected_at !== null, events: events.get(r.id) ?? [] }));
  const rows = (rewardsRes?.results ?? []) as RewardRow[];
  // Only rewards earned under these same rules are reconciled: what an experiment variant's rules paid stays
  // as it was earned, and a variant's recomputation leaves the program's rewards alone (src/experiments).
  const sameRules = (r: RewardRow) => (r.experiment_variant_id ?? null) === (ruleset.experiment_variant_id ?? null);
  // A reward already taken back while a payout holds it (migration 0018) no longer counts.
  const live = rows.filter((r) => r.state !== "voided" && !r.take_back_reason && sameRules(r)).map(liveReward);
  const usedKeys = new Set(rows.map((r) => r.dedupe_key));
  const suspended = (memberRes?.results[0] as { suspended_at: number | null } | undefined)?.suspended_at != null;
  const underReview = new Set(((reviewsRes?.results ?? []) as { referral_id: string }[]).map((r) => r.referral_id));
  const result = recomputeMemberRewards({ ruleset, referrals, excluded, live, usedKeys, now: cause.created_at });
  // A suspended member earns nothing new, a recomputed reward included.
  if (suspended) result.create = [];

  const statements: D1PreparedStatement[] = [];
  const taken = takeBack(result.takeBack, `recomputed: ${cause.reason}`, cause.created_at);
  if (taken.voids.length > 0) {
    statements.push(
      ...voidStatements(
        db,
        taken.voids.map((v) => v.id),
        `recomputed: ${cause.reason}`,
        cause.created_at,
        true,
      ),
    );
  }
  const referralOf = new Map(result.takeBack.map((w) => [w.id, w.referral_id]));
  for (const c of taken.clawbacks) {
    const referralId = referralOf.get(c.clawback_of ?? "") ?? "";
    statements.push(rewardInsert(db, programId, { id: referralId, member_id: memberId }, cause, c));
  }
  for (const c of result.create) {
    const state = underReview.has(c.referral_id) ? "in_review" : c.state;
    statements.push(
      rewardInsert(
        db,
        programId,
        { id: c.referral_id, member_id: memberId },
        { id: c.event_id, created_at: cause.created_at },
        {
          ...c,
          state,
        },
      ),
    );
  }
  return statements;
}
