import { getOrSet } from "../lib/memo";
import type { ReferralStatus } from "../referrals/status";
import {
  type ExistingReward,
  evaluateRewards,
  type HistoryEvent,
  type LedgerEntry,
  type ReferralSnapshot,
  stackingDiscount,
  summarizeMemberHistory,
} from "./engine";
import { type RewardState, type Ruleset, type RulesetInput, rulesetSchema } from "./schema";

/** One status change in a scripted history: the referral `ref` of member `member` moves to `to` at `at`. */
export interface ScriptStep {
  ref: string;
  to: ReferralStatus;
  at: number;
  /** The real event's id when replaying the ledger's own history (see recompute.ts). */
  event_id?: string;
  member?: string;
  value_cents?: number;
  currency?: string;
  plan?: string;
}

export interface SimulatedReward extends Omit<LedgerEntry, "state"> {
  id: string;
  ref: string;
  member: string;
  event_id: string;
  state: RewardState;
  void_reason: string | null;
}

export interface Simulation {
  rewards: SimulatedReward[];
  raffleEntries: Record<string, number>;
  /** Per member: customers still paying and the stacking discount they give. */
  members: Record<string, { active: number; converted: number; discount_percent: number }>;
}

interface SimReferral {
  snapshot: ReferralSnapshot;
  events: HistoryEvent[];
}

/**
 * Replays a scripted history through `evaluateRewards` exactly as the API does (one event at a time,
 * member counts from the member's other referrals), then lets pending rewards whose hold ended by `now`
 * become approved like the cron does. Used by the seed-program tests, the bench, and for previewing rules.
 */
export function simulateLedger(rules: RulesetInput | Ruleset, steps: readonly ScriptStep[], now: number): Simulation {
  const ruleset: Ruleset =
    "config" in rules && "version" in rules ? rules : { version: 1, config: rulesetSchema.parse(rules) };
  const referrals = new Map<string, SimReferral>();
  const rewards: SimulatedReward[] = [];
  const raffleEntries: Record<string, number> = {};
  let nextId = 0;
  // Indexes so replaying a member with thousands of referrals stays linear per event.
  const byId = new Map<string, SimulatedReward>();
  const liveKeys = new Set<string>();
  const rewardsByRef = new Map<string, SimulatedReward[]>();
  const memberRewards = new Map<string, SimulatedReward[]>();
  const memberReferrals = new Map<string, SimReferral[]>();
  const rewardsOf = (member: string) => getOrSet(memberRewards, member, () => []);
  const referralsOf = (member: string) => getOrSet(memberReferrals, member, () => []);

  for (const step of expandConversions(steps)) {
    const member = step.member ?? "m1";
    let r = referrals.get(step.ref);
    if (!r) {
      r = {
        snapshot: { id: step.ref, member_id: member, status: step.to, plan: null, value_cents: null, currency: null },
        events: [],
      };
      referrals.set(step.ref, r);
      referralsOf(member).push(r);
    }
    const event: HistoryEvent = {
      id: step.event_id ?? `evt_${step.ref}_${r.events.length + 1}`,
      seq: r.events.length + 1,
      to_status: step.to,
      value_cents: step.value_cents ?? null,
      currency: step.currency ?? null,
      plan: step.plan ?? null,
      created_at: step.at,
    };
    r.events.push(event);
    r.snapshot = {
      ...r.snapshot,
      status: step.to,
      plan: step.plan ?? r.snapshot.plan,
      value_cents: step.value_cents ?? r.snapshot.value_cents,
      currency: step.currency ?? r.snapshot.currency,
    };
    const others: SimReferral[] = [];
    for (const o of referralsOf(member)) if (o !== r) others.push(o);
    // Caps count every live reward of the member, this referral's earlier ones included (as D1 does).
    const memberHistory = summarizeMemberHistory(
      others.map((o) => ({ status: o.snapshot.status, events: o.events })),
      rewardsOf(member),
    );
    const existing: ExistingReward[] = (rewardsByRef.get(step.ref) ?? [])
      .filter((w) => w.state !== "voided")
      .map((w) => ({
        id: w.id,
        rule_id: w.rule_id,
        state: w.state,
        available_at: w.available_at,
        while_active: w.while_active,
      }));
    const result = evaluateRewards(
      ruleset,
      { referral: r.snapshot, events: r.events, rewards: existing },
      memberHistory,
    );
    // Hold periods that ended before this event: the cron would have approved them by now.
    approveDue(rewards, step.at);
    for (const v of result.voids) {
      const w = byId.get(v.id);
      if (w) {
        w.state = "voided";
        w.void_reason = v.reason;
        liveKeys.delete(w.dedupe_key);
      }
    }
    for (const entry of result.entries) {
      if (liveKeys.has(entry.dedupe_key)) continue;
      nextId += 1;
      const w: SimulatedReward = {
        ...entry,
        id: `rwd_${nextId}`,
        ref: step.ref,
        member,
        event_id: event.id,
        void_reason: null,
      };
      rewards.push(w);
      byId.set(w.id, w);
      liveKeys.add(w.dedupe_key);
      rewardsByRef.set(step.ref, [...(rewardsByRef.get(step.ref) ?? []), w]);
      rewardsOf(member).push(w);
    }
    if (result.releaseQualification) {
      for (const w of rewardsByRef.get(step.ref) ?? []) w.awaiting_qualification = false;
    }
    if (result.raffleEntries > 0) raffleEntries[member] = (raffleEntries[member] ?? 0) + result.raffleEntries;
  }
  approveDue(rewards, now);

  const members: Simulation["members"] = {};
  for (const r of referrals.values()) {
    const m = r.snapshot.member_id;
    members[m] ??= { active: 0, converted: 0, discount_percent: 0 };
  }
  for (const m of Object.keys(members)) {
    const mine = [...referrals.values()].filter((r) => r.snapshot.member_id === m);
    const summary = summarizeMemberHistory(mine.map((r) => ({ status: r.snapshot.status, events: r.events })));
    members[m] = {
      active: summary.active,
      converted: summary.converted,
      discount_percent: stackingDiscount(ruleset.config, summary.active),
    };
  }
  return { rewards, raffleEntries, members };
}

/** A referral whose first step is not `lead` is created by a conversion: a lead event, then the step, as the API writes them. */
function expandConversions(steps: readonly ScriptStep[]): ScriptStep[] {
  const seen = new Set<string>();
  const out: ScriptStep[] = [];
  for (const step of steps) {
    if (!seen.has(step.ref) && step.to !== "lead") {
      out.push({ ref: step.ref, to: "lead", at: step.at, ...(step.member ? { member: step.member } : {}) });
    }
    seen.add(step.ref);
    out.push(step);
  }
  return out;
}

function approveDue(rewards: SimulatedReward[], now: number): void {
  for (const w of rewards) {
    if (w.state === "pending" && w.auto_approve && !w.awaiting_qualification && w.available_at <= now) {
      w.state = "approved";
    }
  }
}
