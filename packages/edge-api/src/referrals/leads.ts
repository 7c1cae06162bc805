import { ApiError, isUniqueViolation } from "../lib/errors";
import type { Program } from "../programs/service";
import type { LeadInput } from "../tracking/schema";
import { assertNotSelfReferral, newReferralRow, resolveAttribution } from "./attribution";
import { type ReferralRow, type ReferralView, referralView } from "./service";
import { planTransitions } from "./transition";

export async function findReferralByEmail(db: D1Database, programId: string, email: string) {
  return db
    .prepare("SELECT * FROM referrals WHERE program_id = ? AND friend_email = ?")
    .bind(programId, email.toLowerCase())
    .first<ReferralRow>();
}

/**
 * Records a lead. The same email twice in one program returns the first referral (the first referrer
 * keeps it), so a double-submitted form never counts twice.
 */
export async function createLead(
  db: D1Database,
  program: Program,
  input: LeadInput,
  memberId?: string,
): Promise<{ referral: ReferralView; created: boolean }> {
  const attribution = await resolveAttribution(db, program, {
    memberId,
    clickId: input.click_id,
    code: input.code,
  });
  assertNotSelfReferral(program, attribution.member, input.email);
  // A batch can lose a race two ways: the same email landed first (that referral counts), or the
  // rewards engine's per-member tick was claimed by another of this member's referrals (plan again with
  // fresh counts). Three tries, then the client is told to retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await findReferralByEmail(db, program.id, input.email);
    if (existing) return { referral: referralView(existing), created: false };
    const now = Date.now();
    const base = newReferralRow(program, attribution, memberId ? "peer" : "form", input, now);
    const plan = await planTransitions(db, program, null, base, [{ to: "lead" }], { now });
    try {
      await db.batch(plan.statements);
      return { referral: referralView(plan.referral), created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  throw new ApiError("conflict", "This member's referrals changed while the lead was recorded. Retry the request.");
}
