import type { AnalyticsSummary, SummaryQuery } from "./schema";

const DAY = 86_400_000;

export interface ChannelCount {
  channel: string;
  n: number;
}

/** Shares per channel rows as the API shows them: the total and a count per channel. */
export function sharesByChannel(rows: readonly ChannelCount[]): { total: number; by_channel: Record<string, number> } {
  const by_channel: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    by_channel[row.channel] = row.n;
    total += row.n;
  }
  return { total, by_channel };
}
const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000);

/**
 * Program health for a date range (UTC days, inclusive; default the last 30 days). Leads, qualified and
 * conversions are a cohort: referrals created in the range, counted by the furthest status they ever
 * reached (a converted customer who later churned still converted).
 */
export async function programSummary(db: D1Database, programId: string, q: SummaryQuery): Promise<AnalyticsSummary> {
  const to = q.to ? Date.parse(`${q.to}T00:00:00Z`) + DAY : Date.now();
  const from = q.from ? Date.parse(`${q.from}T00:00:00Z`) : to - 30 * DAY;
  const campaign = q.campaign ?? null;
  const campaignFilter = "(?4 IS NULL OR campaign = ?4)";
  const args = [programId, from, to, campaign] as const;
  const [visits, shares, cohort, members, active, byCampaign] = await db.batch([
    db
      .prepare(
        `SELECT COUNT(*) AS visits, COUNT(DISTINCT visitor_hash) AS uniques FROM visits
         WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${campaignFilter}`,
      )
      .bind(...args),
    db
      .prepare(
        `SELECT channel, COUNT(*) AS n FROM shares WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3
         GROUP BY channel`,
      )
      .bind(programId, from, to),
    db
      .prepare(
        `SELECT COUNT(*) AS leads,
           COALESCE(SUM(EXISTS (SELECT 1 FROM events e WHERE e.referral_id = r.id AND e.to_status IN ('qualified','converted','renewed'))), 0) AS qualified,
           COALESCE(SUM(EXISTS (SELECT 1 FROM events e WHERE e.referral_id = r.id AND e.to_status IN ('converted','renewed'))), 0) AS conversions
         FROM referrals r WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${campaignFilter}`,
      )
      .bind(...args),
    db.prepare("SELECT COUNT(*) AS n FROM members WHERE program_id = ?1 AND created_at < ?2").bind(programId, to),
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM (
           SELECT member_id FROM shares WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3
           UNION
           SELECT member_id FROM referrals WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3)`,
      )
      .bind(programId, from, to),
    db
      .prepare(
        `SELECT campaign, SUM(visits) AS visits, SUM(leads) AS leads, SUM(conversions) AS conversions FROM (
           SELECT campaign, COUNT(*) AS visits, 0 AS leads, 0 AS conversions FROM visits
             WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${campaignFilter} GROUP BY campaign
           UNION ALL
           SELECT campaign, 0, COUNT(*), COALESCE(SUM(status IN ('converted','renewed') OR EXISTS (
               SELECT 1 FROM events e WHERE e.referral_id = r.id AND e.to_status = 'converted')), 0)
             FROM referrals r WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${campaignFilter}
             GROUP BY campaign)
         GROUP BY campaign ORDER BY visits DESC, leads DESC`,
      )
      .bind(...args),
  ]);
  type Row = Record<string, number>;
  const v = (visits?.results[0] ?? {}) as Row;
  const k = (cohort?.results[0] ?? {}) as Row;
  const sharesSummary = sharesByChannel((shares?.results ?? []) as ChannelCount[]);
  const memberTotal = ((members?.results[0] ?? {}) as Row).n ?? 0;
  const activeMembers = ((active?.results[0] ?? {}) as Row).n ?? 0;
  const leads = k.leads ?? 0;
  const conversions = k.conversions ?? 0;
  const body: AnalyticsSummary = {
    range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    campaign,
    visits: v.visits ?? 0,
    unique_visitors: v.uniques ?? 0,
    shares: sharesSummary,
    leads,
    qualified: k.qualified ?? 0,
    conversions,
    referral_conversion_rate: ratio(conversions, leads),
    members: { total: memberTotal, active: activeMembers },
    participation_rate: ratio(activeMembers, memberTotal),
    by_campaign: (
      (byCampaign?.results ?? []) as { campaign: string | null; visits: number; leads: number; conversions: number }[]
    ).map((r) => ({ campaign: r.campaign, visits: r.visits, leads: r.leads, conversions: r.conversions })),
  };
  return body;
}
