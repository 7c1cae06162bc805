import type { Program } from "../programs/service";
import type { EventRow, ReferralRow } from "../referrals/service";

export interface TransitionContext {
  /** The referral as it is after this event. */
  referral: ReferralRow;
  /** The event being written. */
  event: EventRow;
  /** Every event of this referral up to and including this one, oldest first. */
  history: EventRow[];
}

/**
 * Ledger writes that a status event earns. They run in the same D1 batch as the event, so a retried or
 * racing request can never pay twice. The rewards engine owns this function.
 */
export async function rewardStatements(
  _db: D1Database,
  _program: Program,
  _ctx: TransitionContext,
): Promise<D1PreparedStatement[]> {
  return [];
}
