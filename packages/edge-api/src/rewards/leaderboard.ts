import { lifecycleSql } from "../referrals/lifecycle";
import { monthRange } from "./raffle";

/**
 * Members by successful referrals in a month: referrals that converted that month and count as converted
 * by the lifecycle's definition (a refund takes one off, a churn does not); ties go to the earlier.
 */
export async function leaderboard(db: D1Database, programId: string, month: string, limit: number) {
  const { from, to } = monthRange(month);
  const { results } = await db
    .prepare(
      `SELECT r.member_id, m.name, m.code, COUNT(*) AS successful_referrals, MIN(r.converted_at) AS first_at
       FROM referrals r JOIN members m ON m.id = r.member_id
       WHERE r.program_id = ? AND r.converted_at >= ? AND r.converted_at < ? AND ${lifecycleSql("r").converted}
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
