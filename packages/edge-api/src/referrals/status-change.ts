import { assessConversion, verdict } from "../fraud/engine";
import { ApiError } from "../lib/errors";
import type { Outcome, Reader } from "../lib/idempotency";
import { valueRef } from "../lib/sql";
import type { Program } from "../programs/service";
import { rewardReadStatements } from "../rewards/hook";
import type { UpdateReferralInput } from "./schema";
import { eventView, referralFrom, referralReads, referralView } from "./service";
import { canTransition, TRANSITIONS } from "./status";
import { planTransitions } from "./transition";

/**
 * Plans a status change from the vendor (qualified, converted, renewed, lost, refunded) for `runIdempotent`:
 * the referral, its events and the rewards engine's context are read in one batch, a fraud rule may block a
 * change that carries a value, and the write is one batch (see planTransitions).
 */
export async function planStatusChange(
  db: D1Database,
  program: Program,
  id: string,
  input: Omit<UpdateReferralInput, "invoice_id">,
  reader: Reader,
  idempotencyKey: string | undefined,
): Promise<Outcome> {
  const member = { sql: "(SELECT member_id FROM referrals WHERE id = ? AND program_id = ?)", params: [id, program.id] };
  const [referralRes, eventsRes, ...rewardReads] = await reader.batch([
    ...referralReads(db, program.id, id),
    ...rewardReadStatements(db, program.id, member, valueRef(id)),
  ]);
  const { referral: current, events: history } = referralFrom(id, referralRes, eventsRes);
  if (!canTransition(current.status, input.status)) {
    throw new ApiError("invalid_transition", `A ${current.status} referral cannot become ${input.status}.`, {
      from: current.status,
      to: input.status,
      allowed: TRANSITIONS[current.status],
    });
  }
  const signals = input.value_cents !== undefined ? assessConversion(program.fraudRules, input) : [];
  if (verdict(signals) === "block") {
    throw new ApiError("referral_blocked", "A fraud rule blocked this change.", { reasons: signals });
  }
  const plan = await planTransitions(db, program, current, current, [{ ...input, to: input.status }], {
    history,
    idempotencyKey,
    rewardReads,
    flags: signals,
  });
  return {
    status: 200,
    body: { referral: referralView(plan.referral), events: plan.events.map(eventView), rewards: plan.rewards },
    statements: plan.statements,
  };
}
