import { memberRulesetOf } from "../experiments/service";
import { auditStatement } from "../lib/audit";
import { ApiError, isCheckViolation, isUniqueViolation } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Page } from "../lib/pagination";
import { listPage, rowInProgram } from "../lib/program-rows";
import { iso } from "../lib/time";
import type { Program } from "../programs/service";
import { takeBack } from "../rewards/engine";
import { liveReward, promoteDue, type RewardRow, rewardInsert, voidStatements } from "../rewards/ledger";
import { recomputeStatements } from "../rewards/recompute";
import type { FraudSignal, ReviewStatus } from "./schema";

export interface ReviewRow {
  id: string;
  program_id: string;
  referral_id: string | null;
  member_id: string | null;
  status: ReviewStatus;
  reasons: string;
  friend_email: string | null;
  /** The referral's own friend address, when the list read it (a blocked lead has no referral). */
  referral_friend_email?: string | null;
  created_at: number;
  updated_at: number;
  decided_at: number | null;
  decided_by: string | null;
  decision_reason: string | null;
}

/** What the vendor sees of a review: every reason with its evidence. Never shown to the member. */
export function reviewView(r: ReviewRow) {
  return {
    id: r.id,
    status: r.status,
    referral_id: r.referral_id,
    member_id: r.member_id,
    friend_email: r.friend_email ?? r.referral_friend_email ?? null,
    reasons: JSON.parse(r.reasons) as FraudSignal[],
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    decision_reason: r.decision_reason,
  };
}
export type ReviewView = ReturnType<typeof reviewView>;

/**
 * Flags a referral, in the batch that records what was flagged: opens its review (or adds the reasons to
 * the one already open), moves its unpaid rewards into review, and audits it. Rewards the same batch
 * creates are written `in_review` by the rewards hook (`flagged`).
 */
export function flagStatements(
  db: D1Database,
  f: { programId: string; referralId: string; memberId: string; signals: readonly FraudSignal[]; now: number },
): D1PreparedStatement[] {
  const reasons = JSON.stringify(f.signals);
  return [
    db
      .prepare(
        `INSERT INTO reviews (id, program_id, referral_id, member_id, status, reasons, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?)
         ON CONFLICT (referral_id) WHERE status = 'open' DO UPDATE SET
           reasons = (SELECT json_group_array(json(value)) FROM (
             SELECT value FROM json_each(reviews.reasons) UNION ALL SELECT value FROM json_each(excluded.reasons))),
           member_id = excluded.member_id,
           updated_at = excluded.updated_at`,
      )
      .bind(newId("rev"), f.programId, f.referralId, f.memberId, reasons, f.now, f.now),
    db
      // A clawback nets the next payout whatever a review says: it never waits in review.
      .prepare(
        "UPDATE rewards SET state = 'in_review' WHERE referral_id = ? AND state IN ('pending', 'approved') AND clawback_of IS NULL AND payout_id IS NULL",
      )
      .bind(f.referralId),
    auditStatement(
      db,
      {
        programId: f.programId,
        referralId: f.referralId,
        memberId: f.memberId,
        action: "review.flagged",
        actor: "fraud-engine",
        data: { rules: f.signals.map((s) => s.rule) },
      },
      f.now,
    ),
  ];
}

/** A lead a rule blocked: no referral exists, so the review keeps the address, the member and the reasons. */
export function blockedStatement(
  db: D1Database,
  b: { programId: string; memberId: string; friendEmail: string; signals: readonly FraudSignal[]; now: number },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO reviews (id, program_id, referral_id, member_id, status, reasons, friend_email, created_at, updated_at,
         decided_at, decided_by)
       VALUES (?, ?, NULL, ?, 'blocked', ?, ?, ?, ?, ?, 'fraud-engine')`,
    )
    .bind(newId("rev"), b.programId, b.memberId, JSON.stringify(b.signals), b.friendEmail, b.now, b.now, b.now);
}

/** A review and its friend: a blocked lead keeps the address on the review, a flagged referral has it. */
const REVIEW_COLUMNS =
  "reviews.*, (SELECT r.friend_email FROM referrals r WHERE r.id = reviews.referral_id) AS referral_friend_email";

export function getReview(db: D1Database, programId: string, id: string): Promise<ReviewRow> {
  return rowInProgram(db, "reviews", programId, id, ["review_not_found", "review"], REVIEW_COLUMNS);
}

/** A review decision's audit row has an id made from the review's, so a second decision of the same review fails whole. */
export function decisionAuditId(reviewId: string): string {
  return `aud_decision_${reviewId}`;
}

export function decisionStatements(
  db: D1Database,
  d: { review: ReviewRow; decision: "approved" | "rejected"; reason: string; actor: string; now: number },
): D1PreparedStatement[] {
  return [
    // First, so that a concurrent second decision fails on the primary key before anything else runs.
    db
      .prepare(
        `INSERT INTO audit_log (id, program_id, referral_id, member_id, action, actor, reason, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        decisionAuditId(d.review.id),
        d.review.program_id,
        d.review.referral_id,
        d.review.member_id,
        `review.${d.decision}`,
        d.actor,
        d.reason,
        JSON.stringify({ review_id: d.review.id }),
        d.now,
      ),
    // Only the review as it was read: a reason added since (updated_at moved) leaves it open...
    db
      .prepare(
        `UPDATE reviews SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?, updated_at = ?
         WHERE id = ? AND status = 'open' AND updated_at = ?`,
      )
      .bind(d.decision, d.now, d.actor, d.reason, d.now, d.review.id, d.review.updated_at),
    // ...and then this guard fails, so nothing of the decision lands (decideReview answers review_changed).
    db
      .prepare(
        `INSERT INTO guards (name, ok) VALUES ('review_decision',
           COALESCE((SELECT status = ? AND decided_at = ? FROM reviews WHERE id = ?), 0))
         ON CONFLICT (name) DO UPDATE SET ok = excluded.ok`,
      )
      .bind(d.decision, d.now, d.review.id),
  ];
}

/**
 * An admin's decision on an open review, audited. Approving releases the referral's rewards from review
 * to `pending` (their holds and approval rules apply as usual). Rejecting marks the referral as not
 * counting: its unpaid rewards are voided, paid ones clawed back, and the member's milestone, tier and
 * cap rewards are recomputed without it. A review is decided once: a second decision is `review_closed`.
 */
export async function decideReview(
  db: D1Database,
  program: Program,
  id: string,
  d: { decision: "approved" | "rejected"; reason: string; actor: string; expectedUpdatedAt?: string | undefined },
): Promise<ReviewRow> {
  const review = await getReview(db, program.id, id);
  const closed = () =>
    new ApiError("review_closed", `This review is already ${review.status}.`, { status: review.status });
  if (review.status !== "open" || !review.referral_id) throw closed();
  const changed = () =>
    new ApiError("review_changed", "A rule added a reason to this review since you read it. Read it again.", {
      updated_at: new Date(review.updated_at).toISOString(),
    });
  if (d.expectedUpdatedAt && Date.parse(d.expectedUpdatedAt) !== review.updated_at) throw changed();
  const now = Date.now();
  const statements = decisionStatements(db, { review, decision: d.decision, reason: d.reason, actor: d.actor, now });
  if (d.decision === "approved") {
    statements.push(
      db
        .prepare("UPDATE rewards SET state = 'pending' WHERE referral_id = ? AND state = 'in_review'")
        .bind(review.referral_id),
    );
  } else {
    const [rewardsRes, eventRes] = await db.batch([
      db
        .prepare("SELECT * FROM rewards WHERE referral_id = ? AND state != 'voided' AND clawback_of IS NULL")
        .bind(review.referral_id),
      db
        .prepare("SELECT id, created_at FROM events WHERE referral_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(review.referral_id),
    ]);
    const cause = { id: (eventRes?.results[0] as { id: string } | undefined)?.id ?? id, created_at: now };
    const rows = (rewardsRes?.results ?? []) as RewardRow[];
    const taken = takeBack(rows.map(liveReward), "review rejected", now);
    statements.push(
      db.prepare("UPDATE referrals SET rejected_at = ? WHERE id = ?").bind(now, review.referral_id),
      ...(taken.voids.length > 0
        ? voidStatements(
            db,
            taken.voids.map((v) => v.id),
            `review rejected: ${d.reason}`,
            now,
            true,
          )
        : []),
      ...taken.clawbacks.map((c) =>
        rewardInsert(db, program.id, { id: review.referral_id as string, member_id: c.member_id ?? "" }, cause, c),
      ),
    );
    // The member's rules now: their experiment variant's while one runs (src/experiments), else the program's.
    const ruleset = review.member_id ? await memberRulesetOf(db, program.id, review.member_id) : null;
    if (ruleset && review.member_id) {
      statements.push(
        ...(await recomputeStatements(db, program.id, ruleset, review.member_id, new Set([review.referral_id]), {
          ...cause,
          reason: "review rejected",
        })),
      );
    }
  }
  try {
    await db.batch(statements);
  } catch (err) {
    if (isUniqueViolation(err, "audit_log.id")) throw closed();
    if (isCheckViolation(err)) {
      const now = await getReview(db, program.id, id);
      throw now.status === "open" ? changed() : closed();
    }
    throw err;
  }
  if (d.decision === "approved") await promoteDue(db, Date.now(), program.id);
  return getReview(db, program.id, id);
}

/** A page of the program's reviews, newest first, by status, member or referral. */
export function listReviews(
  db: D1Database,
  programId: string,
  q: {
    status?: ReviewStatus | undefined;
    member_id?: string | undefined;
    referral_id?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<ReviewRow>> {
  const { status, member_id, referral_id } = q;
  return listPage<ReviewRow>(
    db,
    { table: "reviews", columns: REVIEW_COLUMNS },
    { program_id: programId, status, member_id, referral_id },
    q,
  );
}
