import type { SqlRef } from "../lib/sql";
import type { LeadEvidence } from "./engine";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Visitor hashes rotate daily; two days of the member's covers a lead just after midnight. */
export const MEMBER_VISITOR_TTL_MS = 2 * DAY;

/**
 * What the fraud engine needs to judge a lead, as statements for the caller's read batch. The member may
 * be a subquery (the click's or the code's member), since it is not known before the batch runs.
 */
export function leadEvidenceStatements(
  db: D1Database,
  programId: string,
  member: SqlRef,
  visitorHash: string | null,
  now: number,
): D1PreparedStatement[] {
  return [
    db.prepare(`SELECT email_key FROM member_emails WHERE member_id = (${member.sql})`).bind(...member.params),
    db
      .prepare(`SELECT visitor_hash FROM member_visitors WHERE member_id = (${member.sql}) AND created_at > ?`)
      .bind(...member.params, now - MEMBER_VISITOR_TTL_MS),
    db
      .prepare(
        `SELECT COALESCE(SUM(created_at > ?), 0) AS last_hour, COUNT(*) AS last_day FROM referrals
         WHERE member_id = (${member.sql}) AND created_at > ?`,
      )
      .bind(now - HOUR, ...member.params, now - DAY),
    db
      .prepare("SELECT COUNT(*) AS n FROM referrals WHERE program_id = ? AND visitor_hash = ? AND created_at > ?")
      .bind(programId, visitorHash ?? "", now - DAY),
  ];
}

export const LEAD_EVIDENCE_READS = 4;

export function leadEvidenceFrom(
  results: readonly (D1Result | undefined)[],
  lead: { friendEmail: string; blockSameDomain: boolean; friendVisitorHashes: string[] },
): LeadEvidence {
  const [emails, visitors, velocity, byVisitor] = results;
  const counts = (velocity?.results[0] ?? {}) as { last_hour?: number; last_day?: number };
  return {
    friendEmail: lead.friendEmail,
    blockSameDomain: lead.blockSameDomain,
    friendVisitorHashes: lead.friendVisitorHashes,
    memberEmailKeys: ((emails?.results ?? []) as { email_key: string }[]).map((r) => r.email_key),
    memberVisitorHashes: ((visitors?.results ?? []) as { visitor_hash: string }[]).map((r) => r.visitor_hash),
    memberLeadsLastHour: counts.last_hour ?? 0,
    memberLeadsLastDay: counts.last_day ?? 0,
    visitorLeadsLastDay: ((byVisitor?.results[0] as { n?: number } | undefined)?.n ?? 0) as number,
  };
}

/** The cron drops members' visitor hashes the fraud engine no longer compares (they rotate daily). */
export async function forgetOldVisitorHashes(db: D1Database, now: number): Promise<number> {
  const res = await db
    .prepare("DELETE FROM member_visitors WHERE created_at < ?")
    .bind(now - MEMBER_VISITOR_TTL_MS)
    .run();
  return res.meta.changes ?? 0;
}

/**
 * The daily lead cap as a guard in the lead's write batch: after the batch's own insert, the member's leads
 * in the last day must be within the cap, or the batch rolls back (racing leads cannot all slip under it).
 */
export function dailyCapGuard(db: D1Database, memberId: string, now: number, maxPerDay: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO guards (name, ok) VALUES ('daily_lead_cap',
         (SELECT COUNT(*) FROM referrals WHERE member_id = ? AND created_at > ?) <= ?)
       ON CONFLICT (name) DO UPDATE SET ok = excluded.ok`,
    )
    .bind(memberId, now - DAY, maxPerDay);
}
