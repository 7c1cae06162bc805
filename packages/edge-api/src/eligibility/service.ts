/** The program's members by the eligibility rules' verdict at their last enrolment: one indexed count. */
export async function eligibilityCounts(db: D1Database, programId: string) {
  const { results } = await db
    .prepare("SELECT eligible, COUNT(*) AS n FROM members WHERE program_id = ? GROUP BY eligible")
    .bind(programId)
    .all<{ eligible: number | null; n: number }>();
  const count = (verdict: number | null) => results.find((r) => r.eligible === verdict)?.n ?? 0;
  return { eligible: count(1), not_eligible: count(0), unchecked: count(null) };
}
