import { monthRange } from "./raffle";

/** Members by successful referrals in a month: conversions that month, refunds left out; ties go to the earlier. */
export async function leaderboard(db: D1Database, programId: string, month: string, limit: number) {
  const { from, to } = monthRange(month);
  const { results } = await db
    .prepare(
      `SELECT r.member_id, m.name, m.code, COUNT(*) AS successful_referrals, MIN(e.created_at) AS first_at
       FROM events e JOIN referrals r ON r.id = e.referral_id JOIN members m ON m.id = r.member_id
       WHERE e.program_id = ? AND e.created_at >= ? AND e.created_at < ? AND e.to_status = 'converted'
         AND r.status != 'refunded'
       GROUP BY r.member_id ORDER BY successful_referrals DESC, first_at ASC LIMIT ?`,
    )
    .bind(programId, from, to, limit)
    .all<{ member_id: string; name: string | null; code: string; successful_referrals: number }>();
  return results.map((r, i) => ({
    rank: i + 1,
    member_id: r.member_id,
    name: r.name,
    code: r.code,
    successful_referrals: r.successful_referrals,
  }));
}
