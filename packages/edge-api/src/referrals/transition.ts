import { flagStatements } from "../fraud/reviews";
import type { FraudSignal } from "../fraud/schema";
import { newId } from "../lib/ids";
import type { Program } from "../programs/service";
import { rewardStatements } from "../rewards/hook";
import { FUNNEL_RANK } from "./lifecycle";
import type { EarnedReward } from "./schema";
import type { EventRow, ReferralRow } from "./service";
import type { ReferralStatus } from "./status";

export interface TransitionStep {
  to: ReferralStatus;
  value_cents?: number | null | undefined;
  currency?: string | null | undefined;
  plan?: string | null | undefined;
  reason?: string | null | undefined;
}

export interface PlannedWrite {
  referral: ReferralRow;
  events: EventRow[];
  statements: D1PreparedStatement[];
  /** The rewards the events earn, for the answer. */
  rewards: EarnedReward[];
}

/** The referral columns a transition may change (an UPDATE writes them all), and those only a new one sets. */
const CHANGING = [
  "status",
  "version",
  "reached",
  "qualified_at",
  "converted_at",
  "ended_at",
  "plan",
  "value_cents",
  "currency",
  "external_customer_id",
  "member_id",
  "click_id",
  "campaign",
] as const satisfies readonly (keyof ReferralRow)[];
const CREATED = [
  "id",
  "program_id",
  "source",
  "friend_email",
  "friend_email_key",
  "friend_name",
  "friend_company",
  "friend_role",
  "friend_company_size",
  "visitor_hash",
  "created_at",
] as const satisfies readonly (keyof ReferralRow)[];

/**
 * Turns status steps into one list of statements to run as a single D1 batch (one transaction): the
 * referral row, its append-only events, and the rewards each event earns. `(referral_id, seq)` is unique,
 * so if another request moved the referral first this batch fails whole and nothing is paid twice.
 *
 * `before` is null for a referral that does not exist yet; `base` is then its row before any event.
 */
export async function planTransitions(
  db: D1Database,
  program: Program,
  before: ReferralRow | null,
  base: ReferralRow,
  steps: TransitionStep[],
  opts: {
    idempotencyKey?: string | undefined;
    now?: number;
    history?: EventRow[];
    /** The rewards engine's reads, fetched by the caller in its own batch (see rewardReadStatements). */
    rewardReads?: D1Result[];
    /** Fraud signals to flag: the referral's review opens in this batch and its rewards wait in review. */
    flags?: readonly FraudSignal[];
  } = {},
): Promise<PlannedWrite> {
  const now = opts.now ?? Date.now();
  const history = [...(opts.history ?? [])];
  let referral: ReferralRow = { ...base };
  const events: EventRow[] = [];
  const statements: D1PreparedStatement[] = [];
  let from: ReferralStatus | null = before ? before.status : null;
  let seq = before ? before.version : 0;
  const rewards: EarnedReward[] = [];
  const rewardWork: Promise<D1PreparedStatement[]>[] = [];
  for (const step of steps) {
    seq += 1;
    const rank = FUNNEL_RANK[step.to];
    const ends = step.to === "lost" || step.to === "refunded";
    referral = {
      ...referral,
      status: step.to,
      version: seq,
      reached: Math.max(referral.reached, rank),
      qualified_at: referral.qualified_at ?? (rank >= 1 ? now : null),
      converted_at: referral.converted_at ?? (rank >= 2 ? now : null),
      ended_at: ends ? now : referral.ended_at,
      plan: step.plan ?? referral.plan,
      value_cents: step.value_cents ?? referral.value_cents,
      currency: step.currency ?? referral.currency,
      updated_at: now,
    };
    const event: EventRow = {
      id: newId("evt"),
      program_id: program.id,
      referral_id: referral.id,
      seq,
      from_status: from,
      to_status: step.to,
      value_cents: step.value_cents ?? null,
      currency: step.currency ?? null,
      plan: step.plan ?? null,
      reason: step.reason ?? null,
      idempotency_key: opts.idempotencyKey ?? null,
      created_at: now,
    };
    events.push(event);
    history.push(event);
    rewardWork.push(
      rewardStatements(db, program, {
        referral,
        event,
        history: [...history],
        prefetched: opts.rewardReads,
        flagged: (opts.flags?.length ?? 0) > 0,
        earned: rewards,
      }),
    );
    from = step.to;
  }

  const r = referral;
  if (before) {
    statements.push(
      db
        .prepare(
          `UPDATE referrals SET ${CHANGING.map((c) => `${c} = ?`).join(", ")}, updated_at = ? WHERE id = ? AND version = ?`,
        )
        .bind(...CHANGING.map((c) => r[c]), now, r.id, before.version),
    );
  } else {
    const columns = [...CREATED, ...CHANGING];
    statements.push(
      db
        .prepare(
          `INSERT INTO referrals (${columns.join(", ")}, updated_at) VALUES (${columns.map(() => "?").join(", ")}, ?)`,
        )
        .bind(...columns.map((c) => r[c]), now),
    );
  }
  if (opts.flags && opts.flags.length > 0) {
    statements.push(
      ...flagStatements(db, {
        programId: program.id,
        referralId: r.id,
        memberId: r.member_id,
        signals: opts.flags,
        now,
      }),
    );
  }

  for (const e of events) {
    statements.push(
      db
        .prepare(
          `INSERT INTO events (id, program_id, referral_id, seq, from_status, to_status, value_cents, currency, plan,
             reason, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          e.id,
          e.program_id,
          e.referral_id,
          e.seq,
          e.from_status,
          e.to_status,
          e.value_cents,
          e.currency,
          e.plan,
          e.reason,
          e.idempotency_key,
          e.created_at,
        ),
    );
  }
  for (const rewards of await Promise.all(rewardWork)) statements.push(...rewards);
  return { referral, events, statements, rewards };
}
