import { newId } from "../lib/ids";
import type { Program } from "../programs/service";
import type { LeadInput } from "../tracking/schema";
import { assertNotSelfReferral, resolveAttribution } from "./attribution";
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
  const base: ReferralRow = {
    id: newId("ref"),
    program_id: program.id,
    member_id: attribution.member.id,
    click_id: attribution.clickId,
    campaign: attribution.campaign,
    source: memberId ? "peer" : "form",
    friend_email: input.email,
    friend_name: input.name ?? null,
    friend_company: input.company ?? null,
    friend_role: input.role ?? null,
    friend_company_size: input.size ?? null,
    external_customer_id: null,
    status: "lead",
    version: 0,
    plan: null,
    value_cents: null,
    currency: null,
    created_at: now,
    updated_at: now,
  };
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
