import { memberRuleset } from "../experiments/service";
import { assessConversion, assessServerReferral, attributionConflict, verdict } from "../fraud/engine";
import type { FraudSignal } from "../fraud/schema";
import { emailKey } from "../lib/email";
import { ApiError } from "../lib/errors";
import type { Outcome, Reader } from "../lib/idempotency";
import { newId } from "../lib/ids";
import { type SqlRef, valueRef } from "../lib/sql";
import type { Program } from "../programs/service";
import { takeBack } from "../rewards/engine";
import { REWARD_READS, rewardReadStatements } from "../rewards/hook";
import { liveReward, type RewardRow, rewardInsert, voidStatements } from "../rewards/ledger";
import { memberDependentRuleIds, recomputeStatements } from "../rewards/recompute";
import type { RulesRow } from "../rewards/rules";
import {
  type Attribution,
  attributedMemberRef,
  attributionFrom,
  attributionStatement,
  newReferralRow,
  withSignedClick,
} from "./attribution";
import type { ConversionInput } from "./schema";
import { type EventRow, eventView, type ReferralRow, referralView } from "./service";
import { canTransition, RANK, type ReferralStatus } from "./status";
import { planTransitions, type TransitionStep } from "./transition";

/** Refuses a conversion a fraud rule blocks; the vendor's server is told every reason. */
function refuseBlocked(signals: readonly FraudSignal[]): void {
  if (verdict(signals) !== "block") return;
  const self = signals.find((s) => s.rule === "self_referral" && s.action === "block");
  if (self) {
    throw new ApiError("self_referral", "Members cannot refer themselves.", { reason: self.evidence.reason });
  }
  throw new ApiError("referral_blocked", "A fraud rule blocked this referral.", {
    reasons: signals.filter((s) => s.action === "block"),
  });
}

/**
 * Evidence order when a conversion names a member (click id or code) other than the one whose lead
 * matches the customer: the conversion comes from the customer's own visit or typed code, the lead may
 * be anyone's typing (lead squatting). So the conversion's member wins, unless the lead has its own
 * click and the program credits the first click. Either way the clash is flagged for review.
 */
export function conversionWinsClash(program: Program, lead: Pick<ReferralRow, "click_id">): boolean {
  return lead.click_id === null || program.attributionModel === "last";
}

/**
 * A conversion from the vendor's server: find the referral (customer id, then email) or create it from
 * the click id or code, then move it to `qualified`/`converted`. A referral already at or past the target
 * is left alone, so a retried webhook without a key is harmless too.
 *
 * Everything it needs to decide is read in ONE batch (with the idempotency lookup): both candidate
 * referrals, their events, the attribution, the member's addresses, and the rewards engine's reads,
 * whose member and referral are given as subqueries because they are not known yet. The write is the
 * second and last round trip (a re-attribution, which is rare, reads the new member's counts once more).
 */
export async function planConversion(
  db: D1Database,
  program: Program,
  input: ConversionInput,
  reader: Reader,
  idempotencyKey?: string,
): Promise<Outcome> {
  const target: ReferralStatus = input.status;
  const step: TransitionStep = {
    to: target,
    plan: input.plan,
    value_cents: input.value_cents,
    currency: input.currency,
  };
  const newReferralId = newId("ref");
  const key = input.email ? emailKey(input.email) : null;
  const byCustomer = (column: string) =>
    `SELECT ${column} FROM referrals WHERE program_id = ? AND external_customer_id = ?`;
  const byEmail = (column: string) => `SELECT ${column} FROM referrals WHERE program_id = ? AND friend_email_key = ?`;
  const customerArgs = [program.id, input.external_customer_id ?? null];
  const emailArgs = [program.id, key];
  const attributionInput =
    input.click_id || input.code ? await withSignedClick(program, { clickId: input.click_id, code: input.code }) : null;
  const attributedMember: SqlRef = attributionInput
    ? attributedMemberRef(program, attributionInput)
    : { sql: "NULL", params: [] };
  const pick = (column: string, fallback: SqlRef): SqlRef => ({
    sql: `COALESCE((${byCustomer(column)}), (${byEmail(column)}), (${fallback.sql}))`,
    params: [...customerArgs, ...emailArgs, ...fallback.params],
  });
  const [customerRes, emailRes, eventsRes, emailsRes, attributionRes, ...rewardReads] = await reader.batch([
    db.prepare(byCustomer("*")).bind(...customerArgs),
    db.prepare(byEmail("*")).bind(...emailArgs),
    db
      .prepare(
        `SELECT * FROM events WHERE referral_id IN (SELECT id FROM referrals WHERE program_id = ?
           AND (external_customer_id = ? OR friend_email_key = ?)) ORDER BY seq`,
      )
      .bind(program.id, input.external_customer_id ?? null, key),
    db
      .prepare(`SELECT email_key FROM member_emails WHERE member_id = (${attributedMember.sql})`)
      .bind(...attributedMember.params),
    attributionInput ? attributionStatement(db, program, attributionInput) : db.prepare("SELECT NULL WHERE 0"),
    ...rewardReadStatements(db, program.id, pick("member_id", attributedMember), pick("id", valueRef(newReferralId))),
  ]);
  const valueSignals = assessConversion(program.fraudRules, input);
  const memberEmailKeys = ((emailsRes?.results ?? []) as { email_key: string }[]).map((r) => r.email_key);

  const existing = (customerRes?.results[0] ?? emailRes?.results[0]) as ReferralRow | undefined;
  if (existing) {
    if (existing.status === target || (RANK[existing.status] > RANK[target] && RANK[existing.status] < 9)) {
      return {
        status: 200,
        body: { referral: referralView(existing), events: [], rewards: [], changed: false },
        statements: [],
      };
    }
    if (!canTransition(existing.status, target)) {
      throw new ApiError("invalid_transition", `A ${existing.status} referral cannot become ${target}.`, {
        from: existing.status,
        to: target,
      });
    }
    const history = ((eventsRes?.results ?? []) as EventRow[]).filter((e) => e.referral_id === existing.id);
    const clash = attributionInput ? clashingAttribution(program, attributionInput, attributionRes, existing) : null;
    const signals = [...valueSignals];
    let base: ReferralRow = {
      ...existing,
      external_customer_id: existing.external_customer_id ?? input.external_customer_id ?? null,
    };
    let reattributed: ReferralRow | null = null;
    let reads: D1Result[] | undefined = rewardReads.slice(0, REWARD_READS);
    if (clash) {
      const wins = conversionWinsClash(program, existing);
      signals.push(
        ...attributionConflict(program.fraudRules, {
          lead_member_id: existing.member_id,
          lead_source: existing.source,
          lead_click_id: existing.click_id,
          visit_member_id: clash.member.id,
          conversion_click_id: input.click_id ?? null,
          conversion_code: input.code ?? null,
          attributed_to: wins ? clash.member.id : existing.member_id,
        }),
      );
      if (wins) {
        // The new member gets every check a new referral would: the friend may be them.
        signals.push(
          ...assessServerReferral(program.fraudRules, {
            friendEmail: existing.friend_email,
            memberEmailKeys,
            blockSameDomain: program.blockSameDomain,
          }),
        );
        base = { ...base, member_id: clash.member.id, click_id: clash.clickId, campaign: clash.campaign };
        reattributed = existing;
        reads = undefined; // the new member's counts: planTransitions reads them
      }
    }
    refuseBlocked(signals);
    const plan = await planTransitions(db, program, existing, base, [step], {
      history,
      idempotencyKey,
      rewardReads: reads,
      flags: signals.filter((s) => s.action === "flag"),
    });
    const statements = plan.statements;
    const event = plan.events[0];
    if (reattributed && event) {
      statements.push(
        ...takeBackStatements(db, program.id, reattributed, rewardReads[5], event),
        ...(await previousMemberRecount(db, program.id, reattributed, rewardReads, event)),
      );
    }
    return {
      status: 200,
      body: {
        referral: referralView(plan.referral),
        events: plan.events.map(eventView),
        rewards: plan.rewards,
        changed: true,
      },
      statements,
    };
  }

  // A billing hook that sends every payment: a customer nobody referred (or whose click is unknown or expired)
  // is a 200 with no referral, so the hook needs no special case.
  const unattributed = {
    status: 200 as const,
    body: { referral: null, events: [], rewards: [], changed: false },
    statements: [],
  };
  if (!input.email) {
    if (input.if_unattributed === "ignore") return unattributed;
    throw new ApiError(
      "validation_failed",
      "No referral has this external_customer_id; send the email to create one.",
      [{ path: "email", message: "Required to create a referral" }],
    );
  }
  if (!attributionInput) {
    if (input.if_unattributed === "ignore") return unattributed;
    throw new ApiError("no_attribution", "Send a click_id, a code or a member_token to say who referred this person.");
  }
  let resolved: Attribution;
  try {
    resolved = attributionFrom(program, attributionInput, attributionRes);
  } catch (err) {
    const nobody =
      err instanceof ApiError && ["unknown_code", "unknown_click", "attribution_expired"].includes(err.code);
    if (nobody && input.if_unattributed === "ignore") return unattributed;
    throw err;
  }
  const signals = [
    ...assessServerReferral(program.fraudRules, {
      friendEmail: input.email,
      memberEmailKeys,
      blockSameDomain: program.blockSameDomain,
    }),
    ...valueSignals,
  ];
  refuseBlocked(signals);
  const now = Date.now();
  const base = {
    ...newReferralRow(
      program,
      resolved,
      "conversion",
      { email: input.email, name: input.name, company: input.company, externalCustomerId: input.external_customer_id },
      now,
    ),
    id: newReferralId,
  };
  const plan = await planTransitions(db, program, null, base, [{ to: "lead" }, step], {
    now,
    idempotencyKey,
    rewardReads: rewardReads.slice(0, REWARD_READS),
    flags: signals.filter((s) => s.action === "flag"),
  });
  return {
    status: 201,
    body: {
      referral: referralView(plan.referral),
      events: plan.events.map(eventView),
      rewards: plan.rewards,
      changed: true,
    },
    statements: plan.statements,
  };
}

/** The conversion's own attribution when it names another member than the lead's (an expired click names nobody). */
function clashingAttribution(
  program: Program,
  input: { clickId?: string | undefined; code?: string | undefined },
  result: D1Result | undefined,
  lead: ReferralRow,
): Attribution | null {
  let attribution: Attribution;
  try {
    attribution = attributionFrom(program, input, result);
  } catch {
    return null;
  }
  return attribution.member.id === lead.member_id ? null : attribution;
}

/**
 * The previous member has one referral fewer: their milestone, tier and cap rewards are recomputed without
 * it, serialised with their other writes by claiming their next tick (`rewardReads` were read for them).
 */
async function previousMemberRecount(
  db: D1Database,
  programId: string,
  previous: ReferralRow,
  rewardReads: D1Result[],
  event: Pick<EventRow, "id" | "created_at">,
): Promise<D1PreparedStatement[]> {
  const ruleset = memberRuleset(rewardReads[0]?.results[0] as RulesRow | undefined);
  if (!ruleset || memberDependentRuleIds(ruleset).size === 0) return [];
  const tick = ((rewardReads[4]?.results[0] as { tick?: number } | undefined)?.tick ?? 0) + 1;
  return [
    db
      .prepare("INSERT INTO member_reward_ticks (member_id, tick, event_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(previous.member_id, tick, event.id, event.created_at),
    ...(await recomputeStatements(db, programId, ruleset, previous.member_id, new Set([previous.id]), {
      ...event,
      reason: "reattributed",
    })),
  ];
}

/**
 * The previous member's rewards on a re-attributed referral, in the conversion's batch: unpaid ones are
 * voided, paid ones clawed back from that member. Their dedupe keys are of stages the referral had
 * already reached, so they never collide with what the conversion earns the new member.
 */
function takeBackStatements(
  db: D1Database,
  programId: string,
  previous: ReferralRow,
  existingRes: D1Result | undefined,
  event: Pick<EventRow, "id" | "created_at">,
): D1PreparedStatement[] {
  const rows = ((existingRes?.results ?? []) as RewardRow[]).filter((r) => r.member_id === previous.member_id);
  const { voids, clawbacks } = takeBack(rows.map(liveReward), "reattributed", event.created_at);
  return [
    ...(voids.length > 0
      ? voidStatements(
          db,
          voids.map((v) => v.id),
          "reattributed",
          event.created_at,
          true,
        )
      : []),
    ...clawbacks.map((c) => rewardInsert(db, programId, previous, event, c)),
  ];
}
