import { assessLead, verdict } from "../fraud/engine";
import { dailyCapGuard, LEAD_EVIDENCE_READS, leadEvidenceFrom, leadEvidenceStatements } from "../fraud/evidence";
import { blockedStatement } from "../fraud/reviews";
import type { FraudSignal } from "../fraud/schema";
import { emailKey } from "../lib/email";
import { ApiError, isCheckViolation, isUniqueViolation } from "../lib/errors";
import { newId } from "../lib/ids";
import { valueRef } from "../lib/sql";
import type { Program } from "../programs/service";
import { REWARD_READS, rewardReadStatements } from "../rewards/hook";
import type { LeadInput } from "../tracking/schema";
import {
  attributedMemberRef,
  attributionFrom,
  attributionStatement,
  newReferralRow,
  withSignedClick,
} from "./attribution";
import type { ReferralView } from "./schema";
import { type ReferralRow, referralView } from "./service";
import { planTransitions } from "./transition";

export type LeadOutcome =
  | { kind: "created"; referral: ReferralView; flagged: boolean }
  | { kind: "duplicate"; referral: ReferralView }
  /** A fraud rule blocked it: nothing was recorded but the blocked review the vendor sees. */
  | { kind: "blocked"; signals: FraudSignal[] }
  /** The member is suspended: their link records nothing new. */
  | { kind: "suspended" };

/**
 * Records a lead from a browser: the marketing site's form (click id or typed code) or the member's own
 * panel (member token). The same person twice in one program (any spelling of the address) is the first
 * referral, so a double-submitted form never counts twice.
 *
 * One read batch gathers everything: the attribution, an earlier referral of this person, the fraud
 * engine's evidence and the rewards engine's reads (the member is a subquery until then). One write
 * batch then records the referral, its event, its rewards and, if a rule flagged it, its review.
 */
export async function createLead(
  db: D1Database,
  program: Program,
  input: LeadInput,
  opts: { memberId?: string | undefined; visitorHash: string | null },
): Promise<LeadOutcome> {
  const attributionInput = await withSignedClick(program, {
    memberId: opts.memberId,
    clickId: input.click_id,
    code: input.code,
  });
  const member = attributedMemberRef(program, attributionInput);
  const key = emailKey(input.email);
  // A batch can lose a race two ways: the same person landed first (that referral counts), or the
  // rewards engine's per-member tick was claimed by another of this member's referrals (plan again with
  // fresh counts). Three tries, then the client is told to retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = Date.now();
    const referralId = newId("ref");
    const reads = await db.batch([
      attributionStatement(db, program, attributionInput),
      db.prepare("SELECT * FROM referrals WHERE program_id = ? AND friend_email_key = ?").bind(program.id, key),
      ...leadEvidenceStatements(db, program.id, member, opts.visitorHash, now),
      ...rewardReadStatements(db, program.id, member, valueRef(referralId)),
    ]);
    const attribution = attributionFrom(program, attributionInput, reads[0], now);
    if (attribution.member.suspended_at !== null) return { kind: "suspended" };
    const evidence = leadEvidenceFrom(reads.slice(2, 2 + LEAD_EVIDENCE_READS), {
      friendEmail: input.email,
      blockSameDomain: program.blockSameDomain,
      friendVisitorHashes: [opts.visitorHash, attribution.visitHash].filter((h): h is string => Boolean(h)),
    });
    const signals = assessLead(program.fraudRules, evidence);
    const blocked = async (): Promise<LeadOutcome> => {
      await blockedStatement(db, {
        programId: program.id,
        memberId: attribution.member.id,
        friendEmail: input.email,
        signals,
        now,
      }).run();
      return { kind: "blocked", signals };
    };
    // Self-referral first: a member's own panel is told "that's you", so it must be told so whether or not
    // the address is already someone's referral, or the answer would say which addresses are.
    if (signals.some((s) => s.rule === "self_referral" && s.action === "block")) return blocked();
    const existing = reads[1]?.results[0] as ReferralRow | undefined;
    if (existing) return { kind: "duplicate", referral: referralView(existing) };
    if (verdict(signals) === "block") return blocked();
    const flags = signals.filter((s) => s.action === "flag");
    const base = {
      ...newReferralRow(program, attribution, opts.memberId ? "peer" : "form", input, now, opts.visitorHash),
      id: referralId,
    };
    const rewardReads = reads.slice(2 + LEAD_EVIDENCE_READS, 2 + LEAD_EVIDENCE_READS + REWARD_READS);
    const plan = await planTransitions(db, program, null, base, [{ to: "lead" }], { now, rewardReads, flags });
    const cap = program.fraudRules.daily_lead_cap;
    const guard = cap.action === "block" ? [dailyCapGuard(db, base.member_id, now, cap.max_per_day)] : [];
    try {
      await db.batch([...plan.statements, ...guard]);
      return { kind: "created", referral: referralView(plan.referral), flagged: flags.length > 0 };
    } catch (err) {
      // A racing lead took the last place under the cap: read again, and this one is blocked.
      if (!isUniqueViolation(err) && !isCheckViolation(err)) throw err;
    }
  }
  throw new ApiError("conflict", "This member's referrals changed while the lead was recorded. Retry the request.");
}
