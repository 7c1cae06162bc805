import type { PayoutMethod } from "./providers/types";
import type { PayoutSettings } from "./settings";

/**
 * The pure part of a payout run: which of a member's approved rewards are paid now, in one payout per member and
 * currency, and why the others wait. Rewards are taken oldest approval first; a clawback (negative) always comes
 * along, so it nets the payout it lands in.
 */
export interface CandidateReward {
  id: string;
  member_id: string;
  amount: number;
  currency: string;
}

export interface MemberFacts {
  method: PayoutMethod | null;
  email: string | null;
  suspended: boolean;
}

export type WaitReason =
  | "no_method"
  | "manual"
  | "method_not_offered"
  | "method_not_selected"
  | "member_suspended"
  | "nothing_to_pay"
  | "below_minimum"
  | "yearly_limit"
  | "run_full";

export interface PlannedPayout {
  member_id: string;
  currency: string;
  method: PayoutMethod;
  amount: number;
  reward_ids: string[];
}

export interface Waiting {
  member_id: string;
  currency: string;
  amount: number;
  reason: WaitReason;
  /** below_minimum: the minimum; yearly_limit: what is left this year. */
  limit?: number;
}

export interface RunFilters {
  currency?: string;
  member_ids?: string[];
  methods?: PayoutMethod[];
  minimum_amount?: number;
}

/** At most this many payouts per run (one D1 batch); the rest are `run_full` and go in the next run. */
export const MAX_PAYOUTS_PER_RUN = 200;

export function planRun(
  settings: PayoutSettings,
  rewards: readonly CandidateReward[],
  members: ReadonlyMap<string, MemberFacts>,
  paidThisYear: ReadonlyMap<string, number>,
  filters: RunFilters = {},
): { payouts: PlannedPayout[]; waiting: Waiting[] } {
  const groups = new Map<string, CandidateReward[]>();
  for (const r of rewards) {
    const key = `${r.member_id} ${r.currency}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const payouts: PlannedPayout[] = [];
  const waiting: Waiting[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const { member_id, currency } = first;
    const total = group.reduce((s, r) => s + r.amount, 0);
    const facts = members.get(member_id);
    const wait = (reason: WaitReason, amount = total, limit?: number) =>
      waiting.push({ member_id, currency, amount, reason, ...(limit !== undefined ? { limit } : {}) });
    if (!facts || facts.suspended) {
      wait("member_suspended");
      continue;
    }
    if (!facts.method) {
      wait("no_method");
      continue;
    }
    if (facts.method === "manual") {
      wait("manual");
      continue;
    }
    if (!settings.methods.includes(facts.method)) {
      wait("method_not_offered");
      continue;
    }
    if (filters.methods && !filters.methods.includes(facts.method)) {
      wait("method_not_selected");
      continue;
    }
    if (total <= 0) {
      wait("nothing_to_pay");
      continue;
    }
    const minimum = Math.max(settings.minimum_amounts[currency] ?? 0, filters.minimum_amount ?? 0);
    if (total < minimum) {
      wait("below_minimum", total, minimum);
      continue;
    }
    // The yearly limit: clawbacks first (they only lower the sum), then rewards oldest first while they fit.
    const limit = settings.yearly_limits[currency];
    let chosen = group;
    if (limit !== undefined) {
      const left = Math.max(0, limit - (paidThisYear.get(`${member_id} ${currency}`) ?? 0));
      chosen = group.filter((r) => r.amount < 0);
      let sum = chosen.reduce((s, r) => s + r.amount, 0);
      for (const r of group) {
        if (r.amount < 0) continue;
        if (sum + r.amount > left) break;
        chosen.push(r);
        sum += r.amount;
      }
      if (sum <= 0 || sum < minimum || !chosen.some((r) => r.amount > 0)) {
        wait("yearly_limit", total, left);
        continue;
      }
      if (chosen.length < group.length) wait("yearly_limit", total - sum, left - sum);
    }
    if (payouts.length >= MAX_PAYOUTS_PER_RUN) {
      wait("run_full");
      continue;
    }
    payouts.push({
      member_id,
      currency,
      method: facts.method,
      amount: chosen.reduce((s, r) => s + r.amount, 0),
      reward_ids: chosen.map((r) => r.id),
    });
  }
  return { payouts, waiting };
}
