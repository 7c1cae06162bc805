import { lifecycle, reachedRank } from "../referrals/lifecycle";
import { RANK, type ReferralStatus } from "../referrals/status";
import {
  MONEY_KINDS,
  type Recipient,
  type RewardKind,
  type RewardRule,
  type RewardState,
  type RewardTrigger,
  type Ruleset,
  type RulesetConfig,
} from "./schema";

/**
 * The rewards engine: a pure function from the program's rules, one referral's history and a summary of
 * the member's other referrals to the ledger writes one status event earns. No I/O, no clock: the
 * event's own time is "now". `hook.ts` feeds it from D1 and turns its answer into batch statements.
 */

export const DAY_MS = 86_400_000;

export interface HistoryEvent {
  id: string;
  seq: number;
  to_status: ReferralStatus;
  value_cents: number | null;
  currency: string | null;
  plan: string | null;
  created_at: number;
}

export interface ReferralSnapshot {
  id: string;
  member_id: string;
  status: ReferralStatus;
  plan: string | null;
  value_cents: number | null;
  currency: string | null;
}

/** A reward already in the ledger for this referral (voided ones and clawbacks are left out). */
export interface ExistingReward {
  id: string;
  rule_id: string;
  state: RewardState;
  available_at: number;
  while_active: boolean;
  /** Needed to claw back a paid reward; optional for callers that never refund. */
  member_id?: string;
  recipient?: Recipient;
  kind?: RewardKind;
  amount?: number;
  currency?: string | null;
  description?: string | null;
  rule_version?: number;
}

export interface ReferralHistory {
  /** The referral as it is after the event. */
  referral: ReferralSnapshot;
  /** Every event of the referral, oldest first; the last one is the event being evaluated. */
  events: HistoryEvent[];
  rewards: ExistingReward[];
}

/** The member's other referrals (never the one being evaluated), summarised. */
export interface MemberHistory {
  /** Referrals that reached each stage. `converted` leaves out refunded sales; churned customers still count. */
  leads: number;
  qualified: number;
  converted: number;
  /** Customers who converted and are still paying (converted or renewed now). */
  active: number;
  /** Non-voided rewards per rule id, for member caps. */
  ruleTotals: Record<string, { count: number; amount: number }>;
}

export const EMPTY_MEMBER_HISTORY: MemberHistory = { leads: 0, qualified: 0, converted: 0, active: 0, ruleTotals: {} };

export interface LedgerEntry {
  rule_id: string;
  rule_version: number;
  /** What is being paid for; the ledger refuses a second live entry with the same key. */
  dedupe_key: string;
  recipient: Recipient;
  kind: RewardKind;
  amount: number;
  currency: string | null;
  description: string | null;
  state: "pending" | "approved";
  auto_approve: boolean;
  while_active: boolean;
  /** A lead-stage reward: it may not be approved until the referral is qualified. */
  awaiting_qualification: boolean;
  available_at: number;
  /** For a clawback: the paid reward this negative entry takes back, and whose member it nets. */
  clawback_of?: string;
  member_id?: string;
}

export interface RewardVoid {
  id: string;
  reason: string;
  /**
   * From `takeBack` (a refund, a recompute, a reattribution, a rejection): were the reward paid, it would be clawed
   * back, so a reward a payout holds, or one paid since it was read, is clawed back too (`voidStatements`). A lost
   * deal's or a churn's void leaves paid rewards alone, and so leaves a held one to its payout.
   */
  takeBack?: boolean;
}

export interface Evaluation {
  entries: LedgerEntry[];
  voids: RewardVoid[];
  /** This event qualified the referral: its rewards awaiting qualification may now be approved. */
  releaseQualification: boolean;
  raffleEntries: number;
  /**
   * True when the outcome depended on the member's other referrals (a milestone, tier or cap was
   * considered, or a referral left the counts): the write must then be serialised per member.
   */
  memberDependent: boolean;
}

const FUNNEL: readonly RewardTrigger[] = ["lead", "qualified", "converted"];
const PAYING: ReadonlySet<ReferralStatus> = new Set(["converted", "renewed"]);

/**
 * The stages an event reaches. A lead that converts without being marked qualified has still passed
 * qualification, so `lead → converted` reaches `qualified` and `converted`; every renewal reaches `renewed`.
 */
export function reachedStages(prior: readonly HistoryEvent[], event: HistoryEvent): RewardTrigger[] {
  if (event.to_status === "renewed") return ["renewed"];
  const rank = RANK[event.to_status];
  if (rank > 2) return [];
  let before = -1;
  for (const e of prior) {
    const r = RANK[e.to_status];
    if (r <= 2 && r > before) before = r;
  }
  return FUNNEL.filter((_, i) => i > before && i <= rank);
}

/** `value × percent`, rounded half up, in integer arithmetic (basis points) so it is exact to the cent. */
export function percentOf(valueMinor: number, percent: number): number {
  const bps = Math.round(percent * 100);
  return Math.floor((valueMinor * bps + 5_000) / 10_000);
}

/** Calendar months in UTC: Jan 31 + 1 month is the last day of February. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

function spendIn(events: readonly HistoryEvent[], currency: string): number {
  let total = 0;
  for (const e of events) {
    if (PAYING.has(e.to_status) && e.value_cents !== null && e.currency === currency) total += e.value_cents;
  }
  return total;
}

function countFor(stage: RewardTrigger, member: MemberHistory): number {
  if (stage === "lead") return member.leads;
  if (stage === "qualified") return member.qualified;
  return member.converted;
}

function rawAmount(
  rule: RewardRule,
  deal: { value: number | null; currency: string | null; plan: string | null },
): { amount: number; currency: string | null } | null {
  const money = MONEY_KINDS.has(rule.kind);
  const a = rule.amount;
  if (a.type === "percent") {
    if (deal.value === null || deal.currency === null) return null;
    if (rule.currency && rule.currency !== deal.currency) return null;
    return { amount: percentOf(deal.value, a.percent), currency: deal.currency };
  }
  // Own properties only: a plan called "constructor" is a plan nobody priced, not Object.prototype's.
  const planAmount =
    deal.plan !== null && a.type === "by_plan" && Object.hasOwn(a.plans, deal.plan) ? a.plans[deal.plan] : undefined;
  const amount = a.type === "flat" ? a.value : (planAmount ?? a.default);
  if (amount === undefined) return null;
  return { amount, currency: money ? (rule.currency ?? null) : null };
}

function ruleEntry(
  rule: RewardRule,
  ruleset: Ruleset,
  history: ReferralHistory,
  member: MemberHistory,
  prior: readonly HistoryEvent[],
  event: HistoryEvent,
  stages: readonly RewardTrigger[],
): { entry: LedgerEntry | null; considered: boolean } {
  const referral = history.referral;
  let dedupeKey: string;
  let stage: RewardTrigger;
  const none = { entry: null, considered: false };

  if (rule.min_spend_cents !== undefined) {
    // Pays once, on the payment that crosses the threshold, once the referral has reached the trigger.
    if (!PAYING.has(event.to_status) || !rule.currency) return none;
    const reachedTrigger = [...prior, event].some(
      (e) => RANK[e.to_status] <= 3 && RANK[e.to_status] >= RANK[rule.trigger],
    );
    if (!reachedTrigger) return none;
    const before = spendIn(prior, rule.currency);
    const after = before + (event.currency === rule.currency ? (event.value_cents ?? 0) : 0);
    if (before >= rule.min_spend_cents || after < rule.min_spend_cents) return none;
    stage = rule.trigger;
    dedupeKey = `${rule.id}:${referral.id}:spend`;
  } else {
    if (!stages.includes(rule.trigger)) return none;
    stage = rule.trigger;
    dedupeKey = `${rule.id}:${referral.id}:${stage}`;
    if (stage === "renewed") {
      const occurrence = [...prior, event].filter((e) => e.to_status === "renewed").length;
      if (rule.max_occurrences !== undefined && occurrence > rule.max_occurrences) return none;
      if (rule.max_months !== undefined) {
        const conversion = prior.find((e) => e.to_status === "converted");
        if (!conversion || event.created_at >= addMonths(conversion.created_at, rule.max_months)) return none;
      }
      dedupeKey = `${rule.id}:${referral.id}:renewed:${occurrence}`;
    }
  }
  const considered = Boolean(rule.milestone || rule.tier || rule.member_cap);

  if (rule.milestone || rule.tier) {
    // This referral reaches the stage now, so it is the member's (others + 1)th.
    const nth = countFor(stage, member) + 1;
    if (rule.milestone) {
      const { at, repeat } = rule.milestone;
      if (repeat ? nth % at !== 0 : nth !== at) return { entry: null, considered };
    }
    if (rule.tier && (nth < rule.tier.from || (rule.tier.to !== undefined && nth > rule.tier.to))) {
      return { entry: null, considered };
    }
  }

  const useEventDeal = event.value_cents !== null;
  const deal = {
    value: useEventDeal ? event.value_cents : referral.value_cents,
    currency: useEventDeal ? event.currency : referral.currency,
    plan: event.plan ?? referral.plan,
  };
  if (rule.min_value_cents !== undefined) {
    if (deal.value === null || deal.currency !== rule.currency || deal.value < rule.min_value_cents) {
      return { entry: null, considered };
    }
  }
  const raw = rawAmount(rule, deal);
  if (!raw) return { entry: null, considered };
  let amount = raw.amount;

  if (rule.member_cap) {
    const used = member.ruleTotals[rule.id] ?? { count: 0, amount: 0 };
    if (rule.member_cap.count !== undefined && used.count >= rule.member_cap.count) return { entry: null, considered };
    if (rule.member_cap.amount !== undefined) amount = Math.min(amount, rule.member_cap.amount - used.amount);
  }
  if (amount <= 0) return { entry: null, considered };

  const autoApprove = ruleset.config.approval === "auto";
  const holdDays = rule.hold_days ?? 0;
  // A lead is unverified (anyone with the public key can send one): a lead-stage reward waits until the
  // referral is qualified, whatever its hold (a hold verifies nothing about a lead).
  const awaiting = stage === "lead" && !stages.includes("qualified");
  return {
    considered,
    entry: {
      rule_id: rule.id,
      rule_version: ruleset.version,
      dedupe_key: dedupeKey,
      recipient: rule.recipient,
      kind: rule.kind,
      amount,
      currency: raw.currency,
      description: rule.description ?? null,
      state: holdDays === 0 && autoApprove && !awaiting ? "approved" : "pending",
      auto_approve: autoApprove,
      while_active: rule.while_active ?? false,
      awaiting_qualification: awaiting,
      available_at: event.created_at + holdDays * DAY_MS,
    },
  };
}

const UNPAID: ReadonlySet<RewardState> = new Set(["pending", "approved", "in_review"]);

/**
 * Takes back a referral's rewards: every unpaid one is voided, every paid one gets a clawback (a negative
 * entry of the same kind and currency that nets the recipient's next payout). A paid row is never edited.
 */
export function takeBack(
  rewards: readonly ExistingReward[],
  reason: string,
  at: number,
): { voids: RewardVoid[]; clawbacks: LedgerEntry[] } {
  const voids: RewardVoid[] = [];
  const clawbacks: LedgerEntry[] = [];
  for (const r of rewards) {
    if (UNPAID.has(r.state)) voids.push({ id: r.id, reason, takeBack: true });
    else if (r.state === "paid" && r.amount !== undefined && r.amount > 0 && r.kind && r.recipient) {
      clawbacks.push({
        rule_id: r.rule_id,
        rule_version: r.rule_version ?? 0,
        dedupe_key: `clawback:${r.id}`,
        recipient: r.recipient,
        kind: r.kind,
        amount: -r.amount,
        currency: r.currency ?? null,
        description: `Clawback (${reason})${r.description ? `: ${r.description}` : ""}`,
        state: "approved",
        auto_approve: true,
        while_active: false,
        awaiting_qualification: false,
        available_at: at,
        clawback_of: r.id,
        ...(r.member_id ? { member_id: r.member_id } : {}),
      });
    }
  }
  return { voids, clawbacks };
}

/**
 * What the last event of `history.events` earns: new ledger entries, voids and clawbacks of rewards it
 * takes back, and raffle entries.
 * - A refund takes back every reward of the referral: unpaid ones are voided, paid ones clawed back.
 * - A loss before the referral converted (a lost deal) voids every unpaid reward.
 * - A churn (lost after converting) voids what is still pending or in review, whatever the hold, and
 *   `while_active` rewards; an approved reward whose hold has ended stays: the hold was the protection.
 * Lead-stage raffle entries, like lead-stage rewards without a hold, are only granted once the referral is
 * qualified: a lead alone is unverified.
 */
export function evaluateRewards(ruleset: Ruleset, history: ReferralHistory, member: MemberHistory): Evaluation {
  const event = history.events.at(-1);
  const result: Evaluation = {
    entries: [],
    voids: [],
    releaseQualification: false,
    raffleEntries: 0,
    memberDependent: false,
  };
  if (!event) return result;
  const prior = history.events.slice(0, -1);

  if (event.to_status === "lost" || event.to_status === "refunded") {
    if (event.to_status === "refunded") {
      const taken = takeBack(history.rewards, "refunded", event.created_at);
      result.voids = taken.voids;
      result.entries = taken.clawbacks;
    } else {
      const churn = prior.some((e) => e.to_status === "converted");
      for (const r of history.rewards) {
        const unpaid = UNPAID.has(r.state);
        const stays = churn && r.state === "approved" && !r.while_active;
        if (unpaid && !stays) result.voids.push({ id: r.id, reason: churn ? "churned" : "lost" });
      }
    }
    // The member's counts drop: a concurrent milestone must see this.
    result.memberDependent = ruleset.config.rules.some((r) => r.milestone || r.tier || r.member_cap);
    return result;
  }

  const stages = reachedStages(prior, event);
  result.releaseQualification = stages.includes("qualified");
  const raffle = ruleset.config.raffle?.entries;
  if (raffle) {
    for (const stage of stages) if (stage !== "lead") result.raffleEntries += raffle[stage] ?? 0;
    if (result.releaseQualification) result.raffleEntries += raffle.lead ?? 0;
  }

  for (const rule of ruleset.config.rules) {
    const { entry, considered } = ruleEntry(rule, ruleset, history, member, prior, event, stages);
    if (considered) result.memberDependent = true;
    if (entry) result.entries.push(entry);
  }
  return result;
}

/** The member's stacking discount: +X% per active referred customer, capped. It drops when one churns. */
export function stackingDiscount(config: RulesetConfig, activeCustomers: number): number {
  const s = config.stacking_discount;
  if (!s) return 0;
  return Math.min(s.max_percent, s.percent_per_referral * Math.max(0, activeCustomers));
}

/** The closest milestone the member has not reached yet, for the widget's progress bar. */
export function nextMilestone(
  config: RulesetConfig,
  counts: Pick<MemberHistory, "leads" | "qualified" | "converted">,
): { rule: RewardRule; at: number; current: number } | null {
  let best: { rule: RewardRule; at: number; current: number } | null = null;
  for (const rule of config.rules) {
    if (!rule.milestone || rule.recipient !== "member") continue;
    const current = countFor(rule.trigger, { ...EMPTY_MEMBER_HISTORY, ...counts });
    const { at, repeat } = rule.milestone;
    const target = repeat ? (Math.floor(current / at) + 1) * at : at;
    if (target <= current) continue;
    if (!best || target - current < best.at - best.current) best = { rule, at: target, current };
  }
  return best;
}

/** A referral as the member summary needs it: its events in order and its status now. */
export interface ReferralRecord {
  status: ReferralStatus;
  events: readonly Pick<HistoryEvent, "to_status">[];
  /** Its fraud review was rejected: it counts for nothing. */
  rejected?: boolean;
}

/**
 * Builds a member's history from their referrals and non-voided rewards. The API computes the same
 * counts in SQL (`hook.ts`); this is the reference the tests and the simulator use.
 */
export function summarizeMemberHistory(
  referrals: Iterable<ReferralRecord>,
  rewards: Iterable<{ rule_id: string; amount: number; state: RewardState }> = [],
): MemberHistory {
  const summary: MemberHistory = { leads: 0, qualified: 0, converted: 0, active: 0, ruleTotals: {} };
  for (const r of referrals) {
    const l = lifecycle({
      status: r.status,
      reached: reachedRank(r.events.map((e) => e.to_status)),
      rejected: r.rejected ?? false,
    });
    summary.leads += Number(l.lead);
    summary.qualified += Number(l.qualified);
    summary.converted += Number(l.converted);
    summary.active += Number(l.activeCustomer);
  }
  for (const w of rewards) {
    if (w.state === "voided") continue;
    const t = summary.ruleTotals[w.rule_id] ?? { count: 0, amount: 0 };
    t.count += 1;
    t.amount += w.amount;
    summary.ruleTotals[w.rule_id] = t;
  }
  return summary;
}
