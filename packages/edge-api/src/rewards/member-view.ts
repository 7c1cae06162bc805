import {
  exposureStatements,
  type MemberVariant,
  memberRuleset,
  memberRulesetOf,
  memberRulesStatement,
  memberVariantStatement,
} from "../experiments/service";
import { valueRef } from "../lib/sql";
import { iso } from "../lib/time";
import { getMember } from "../members/service";
import type { Program } from "../programs/service";
import { nextMilestone, stackingDiscount } from "./engine";
import { type MemberCounts, memberCountsStatement } from "./hook";
import { monthOf } from "./raffle";
import type { RulesRow } from "./rules";
import type { MemberRewardsView, RewardKind, RewardState, Ruleset } from "./schema";

/**
 * A pending reward of an auto-approving program is shown as approved as soon as its hold ends, even if
 * the cron has not run yet: the widget never shows a stale "on hold". A reward in fraud review is shown
 * as pending: the member never learns that, or why, it is being reviewed.
 */
const EFFECTIVE_STATE = `CASE
  WHEN state = 'in_review' THEN 'pending'
  WHEN state = 'pending' AND auto_approve = 1 AND awaiting_qualification = 0 AND available_at <= ?2 THEN 'approved'
  ELSE state END`;

/** The member's rewards as the widget shows them: totals by state, stacking discount, next milestone, raffle. */
export async function memberRewardsView(
  db: D1Database,
  program: Program,
  memberId: string,
  now = Date.now(),
): Promise<MemberRewardsView> {
  return (await readMemberRewards(db, program, memberId, now)).view;
}

/**
 * The view plus the current rules it was computed from, so a caller that also needs the rules (the offer in
 * words, warnings) reads them in the same batch instead of another round trip.
 */
export async function readMemberRewards(
  db: D1Database,
  program: Program,
  memberId: string,
  now = Date.now(),
  /** The member is being shown the program (widget, portal): assign them a running experiment's variant first. */
  opts: { expose?: boolean } = {},
): Promise<{ view: MemberRewardsView; ruleset: Ruleset | null; variant: MemberVariant | null }> {
  const month = monthOf(now);
  const exposure = opts.expose ? await exposureStatements(db, program.id, memberId, now) : [];
  const results = await db.batch([
    ...exposure,
    // Their experiment variant's rules while one runs (src/experiments), else the program's.
    memberRulesStatement(db, program.id, valueRef(memberId)),
    db
      .prepare(
        `SELECT kind, currency, ${EFFECTIVE_STATE} AS effective, SUM(amount) AS amount FROM rewards
         WHERE member_id = ?1 AND recipient = 'member' AND state != 'voided' AND take_back_reason IS NULL
         GROUP BY kind, currency, effective`,
      )
      .bind(memberId, now),
    memberCountsStatement(db, valueRef(memberId), valueRef("")),
    db
      .prepare(
        `SELECT id, kind, amount, currency,
           CASE WHEN clawback_of IS NULL THEN description ELSE 'Adjustment' END AS description,
           ${EFFECTIVE_STATE} AS state, available_at, created_at
         FROM rewards WHERE member_id = ?1 AND recipient = 'member' ORDER BY created_at DESC, id DESC LIMIT 20`,
      )
      .bind(memberId, now),
    db
      .prepare("SELECT COALESCE(SUM(entries), 0) AS entries FROM raffle_entries WHERE member_id = ? AND month = ?")
      .bind(memberId, month),
    memberVariantStatement(db, program.id, memberId),
  ]);
  const [rulesRes, totalsRes, countsRes, recentRes, raffleRes, variantRes] = results.slice(exposure.length);
  const ruleset = memberRuleset(rulesRes?.results[0] as RulesRow | undefined);
  const variant = (variantRes?.results[0] as MemberVariant | undefined) ?? null;
  const counts = (countsRes?.results[0] ?? { leads: 0, qualified: 0, converted: 0, active: 0 }) as MemberCounts;

  const totals = new Map<string, MemberRewardsView["totals"][number]>();
  const freeMonths = { pending: 0, earned: 0 };
  for (const row of (totalsRes?.results ?? []) as {
    kind: RewardKind;
    currency: string | null;
    effective: RewardState;
    amount: number;
  }[]) {
    if (row.kind === "free_months") {
      if (row.effective === "pending") freeMonths.pending += row.amount;
      else freeMonths.earned += row.amount;
      continue;
    }
    if (!row.currency) continue;
    const t = totals.get(row.currency) ?? { currency: row.currency, pending: 0, approved: 0, paid: 0, earned: 0 };
    if (row.effective === "pending") t.pending += row.amount;
    if (row.effective === "approved") t.approved += row.amount;
    if (row.effective === "paid") t.paid += row.amount;
    t.earned = t.approved + t.paid;
    totals.set(row.currency, t);
  }

  const milestone = ruleset ? nextMilestone(ruleset.config, counts) : null;
  const view: MemberRewardsView = {
    rule_version: ruleset?.version ?? null,
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    free_months: freeMonths,
    discount_percent: ruleset ? stackingDiscount(ruleset.config, counts.active) : 0,
    next_milestone: milestone
      ? {
          rule_id: milestone.rule.id,
          description: milestone.rule.description ?? null,
          trigger: milestone.rule.trigger,
          at: milestone.at,
          current: milestone.current,
          remaining: milestone.at - milestone.current,
        }
      : null,
    raffle: ruleset?.config.raffle
      ? { month, entries: ((raffleRes?.results[0] as { entries?: number } | undefined)?.entries ?? 0) as number }
      : null,
    recent: (
      (recentRes?.results ?? []) as {
        id: string;
        kind: RewardKind;
        amount: number;
        currency: string | null;
        description: string | null;
        state: RewardState;
        available_at: number;
        created_at: number;
      }[]
    ).map((r) => ({
      ...r,
      available_at: iso(r.available_at),
      created_at: iso(r.created_at),
    })),
  };
  return { view, ruleset, variant };
}

/** The stacking discount the host's server applies to the member's bill: per referred customer still active. */
export async function memberDiscount(db: D1Database, programId: string, memberId: string) {
  const member = await getMember(db, programId, memberId);
  const [ruleset, counts] = await Promise.all([
    memberRulesetOf(db, programId, member.id),
    memberCountsStatement(db, valueRef(member.id), valueRef("")).first<MemberCounts>(),
  ]);
  const active = counts?.active ?? 0;
  return {
    member_id: member.id,
    discount_percent: ruleset ? stackingDiscount(ruleset.config, active) : 0,
    active_referrals: active,
    stacking: ruleset?.config.stacking_discount ?? null,
    rule_version: ruleset?.version ?? null,
  };
}
