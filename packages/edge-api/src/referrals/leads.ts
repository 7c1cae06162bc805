import type { Program } from "../programs/service";
import type { LeadInput } from "../tracking/schema";
import { assertNotSelfReferral, newReferralRow, resolveAttribution } from "./attribution";
import { isConstraintError, type ReferralRow, type ReferralView, referralView } from "./service";
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
  const existing = await findReferralByEmail(db, program.id, input.email);
  if (existing) return { referral: referralView(existing), created: false };

  const now = Date.now();
  const base = newReferralRow(program, attribution, memberId ? "peer" : "form", input, now);

  const plan = await planTransitions(db, program, null, base, [{ to: "lead" }], { now });
  try {
    await db.batch(plan.statements);
  } catch (err) {
    // Lost a race with the same email: the other request's referral is the one that counts.
    if (!isConstraintError(err)) throw err;
    const winner = await findReferralByEmail(db, program.id, input.email);
    if (!winner) throw err;
    return { referral: referralView(winner), created: false };
  }
  return { referral: referralView(plan.referral), created: true };
}
