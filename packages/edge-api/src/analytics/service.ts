import { lifecycleSql } from "../referrals/lifecycle";
import { DAY_MS, dayOf } from "./rollups";
import {
  type AnalyticsSummary,
  type Interval,
  type Metric,
  MONEY_METRICS,
  type MoneyLine,
  type Series,
  type SummaryQuery,
  type TopMember,
} from "./schema";

/**
 * What the analytics routes answer, read from the daily rollups (migration 0005), never from the raw
 * tables for a whole range: a year is at most 366 rows per campaign. Counts are by the day things happened
 * (a lead on the day it came, a conversion on the day the referral converted, taken back if it is later
 * refunded), with the lifecycle's definitions (src/referrals/lifecycle.ts).
 *
 * Unique visitors: a visitor hash is salted per UTC day (no address is kept and nothing joins across days),
 * so a range's unique visitors are the sum of each day's distinct visitors. That is exact for one day and
 * counts a person who comes back on three days three times: the error is the share of returning visitors,
 * the same as any privacy-first analytics with a daily salt (Plausible's).
 */

/** A query's days: `to` defaults to today, `from` to 29 days before it (30 days in all). */
export function rangeOf(q: SummaryQuery, now = Date.now()): Range {
  const to = q.to ? dayOf(Date.parse(`${q.to}T00:00:00Z`)) : dayOf(now);
  const from = q.from ? dayOf(Date.parse(`${q.from}T00:00:00Z`)) : to - 29;
  return { from, to, campaign: q.campaign ?? null };
}

export interface Range {
  /** First and last UTC day, inclusive (days since 1970-01-01). */
  from: number;
  to: number;
  campaign: string | null;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000);
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** One campaign when the parameter is bound to one ('' is "no campaign"), every campaign when it is NULL. */
function campaignClause(param: string): string {
  return `(${param} IS NULL OR campaign = ${param})`;
}

interface ChannelCount {
  channel: string;
  n: number;
}

/** Shares per channel rows as the API shows them: the total and a count per channel. */
function sharesByChannel(rows: readonly ChannelCount[]): { total: number; by_channel: Record<string, number> } {
  const by_channel: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    by_channel[row.channel] = row.n;
    total += row.n;
  }
  return { total, by_channel };
}

/** The program's health for a range, in one D1 batch over the rollups. */
export async function summarize(db: D1Database, programId: string, range: Range): Promise<AnalyticsSummary> {
  const args = [programId, range.from, range.to, range.campaign] as const;
  const rows = "program_id = ?1 AND day >= ?2 AND day <= ?3";
  const [totalsRes, uniquesRes, sharesRes, byCampaignRes, moneyRes, pendingRes, membersRes, activeRes] = await db.batch(
    [
      db
        .prepare(
          `SELECT COALESCE(SUM(visits), 0) AS visits, COALESCE(SUM(uniques), 0) AS uniques, COALESCE(SUM(leads), 0) AS leads,
           COALESCE(SUM(qualified), 0) AS qualified, COALESCE(SUM(conversions), 0) AS conversions,
           COALESCE(SUM(churned), 0) AS churned, COALESCE(SUM(refunded), 0) AS refunded
         FROM daily_stats WHERE ${rows} AND channel = '' AND ${campaignClause("?4")}`,
        )
        .bind(...args),
      db
        .prepare(`SELECT COALESCE(SUM(uniques), 0) AS uniques FROM daily_program WHERE ${rows}`)
        .bind(...args.slice(0, 3)),
      db
        .prepare(`SELECT channel, SUM(shares) AS n FROM daily_stats WHERE ${rows} AND channel != '' GROUP BY channel`)
        .bind(...args.slice(0, 3)),
      db
        .prepare(
          `SELECT campaign, SUM(visits) AS visits, SUM(leads) AS leads, SUM(conversions) AS conversions
         FROM daily_stats WHERE ${rows} AND channel = '' AND ${campaignClause("?4")}
         GROUP BY campaign HAVING SUM(visits) + SUM(leads) + SUM(conversions) > 0
         ORDER BY visits DESC, leads DESC, campaign`,
        )
        .bind(...args),
      db
        .prepare(
          `SELECT currency, SUM(revenue) AS revenue, SUM(rewards_earned) AS rewards_earned, SUM(rewards_paid) AS rewards_paid
         FROM daily_money WHERE ${rows} AND ${campaignClause("?4")} GROUP BY currency ORDER BY currency`,
        )
        .bind(...args),
      // What is owed now is a snapshot, not a range: the ledger's pending and in-review rewards.
      db
        .prepare(
          `SELECT currency, SUM(amount) AS pending FROM rewards
         WHERE program_id = ? AND state IN ('pending', 'in_review') AND currency IS NOT NULL GROUP BY currency`,
        )
        .bind(programId),
      db
        .prepare("SELECT COALESCE(SUM(members_joined), 0) AS n FROM daily_program WHERE program_id = ? AND day <= ?")
        .bind(programId, range.to),
      db.prepare(`SELECT COUNT(DISTINCT member_id) AS n FROM member_activity WHERE ${rows}`).bind(...args.slice(0, 3)),
    ],
  );
  type Row = Record<string, number>;
  const t = (totalsRes?.results[0] ?? {}) as Row;
  const shares = sharesByChannel((sharesRes?.results ?? []) as ChannelCount[]);
  const pending = new Map(
    ((pendingRes?.results ?? []) as { currency: string; pending: number }[]).map((r) => [r.currency, r.pending]),
  );
  const money = ((moneyRes?.results ?? []) as Omit<MoneyLine, "rewards_pending" | "return_on_rewards">[]).map(
    (m): MoneyLine => ({
      ...m,
      rewards_pending: pending.get(m.currency) ?? 0,
      return_on_rewards: m.rewards_earned > 0 ? Math.round((m.revenue / m.rewards_earned) * 100) / 100 : null,
    }),
  );
  for (const [currency, amount] of pending) {
    if (!money.some((m) => m.currency === currency)) {
      money.push({
        currency,
        revenue: 0,
        rewards_earned: 0,
        rewards_paid: 0,
        rewards_pending: amount,
        return_on_rewards: null,
      });
    }
  }
  const visits = t.visits ?? 0;
  const leads = t.leads ?? 0;
  const qualified = t.qualified ?? 0;
  const conversions = t.conversions ?? 0;
  const membersTotal = ((membersRes?.results[0] ?? {}) as Row).n ?? 0;
  const active = ((activeRes?.results[0] ?? {}) as Row).n ?? 0;
  return {
    range: { from: isoDay(range.from), to: isoDay(range.to) },
    campaign: range.campaign,
    visits,
    unique_visitors:
      range.campaign === null ? (((uniquesRes?.results[0] ?? {}) as Row).uniques ?? 0) : (t.uniques ?? 0),
    shares,
    leads,
    qualified,
    conversions,
    churned: t.churned ?? 0,
    refunded: t.refunded ?? 0,
    referral_conversion_rate: ratio(conversions, leads),
    funnel: {
      visits,
      leads,
      qualified,
      conversions,
      rates: {
        visit_to_lead: ratio(leads, visits),
        lead_to_qualified: ratio(qualified, leads),
        qualified_to_conversion: ratio(conversions, qualified),
        lead_to_conversion: ratio(conversions, leads),
      },
    },
    members: { total: membersTotal, active },
    participation_rate: ratio(active, membersTotal),
    money: money.sort((a, b) => a.currency.localeCompare(b.currency)),
    by_campaign: (
      (byCampaignRes?.results ?? []) as { campaign: string; visits: number; leads: number; conversions: number }[]
    ).map((r) => ({
      campaign: r.campaign === "" ? null : r.campaign,
      visits: r.visits,
      leads: r.leads,
      conversions: r.conversions,
    })),
  };
}

/** A bucket's key in SQL (from `day`) and its first day in JS. Weeks start on Monday (1970-01-01 was a Thursday). */
const BUCKET_SQL: Record<Interval, string> = {
  day: "day",
  week: "(day + 3) / 7",
  month:
    "CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1",
};

function bucketOf(day: number, interval: Interval): number {
  if (interval === "day") return day;
  if (interval === "week") return Math.floor((day + 3) / 7);
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function bucketStart(bucket: number, interval: Interval): number {
  if (interval === "day") return bucket;
  if (interval === "week") return bucket * 7 - 3;
  return dayOf(Date.UTC(Math.floor(bucket / 12), bucket % 12, 1));
}

/** Every bucket the range touches, in order, so a chart has a point for each (zero where nothing happened). */
export function buckets(range: Pick<Range, "from" | "to">, interval: Interval): number[] {
  const out: number[] = [];
  for (let b = bucketOf(range.from, interval); b <= bucketOf(range.to, interval); b++) out.push(b);
  return out;
}

/** One metric over time, bucketed by day, week or month, from the rollups. */
export async function timeseries(
  db: D1Database,
  programId: string,
  range: Range,
  metric: Metric,
  interval: Interval,
): Promise<Series> {
  const bucket = BUCKET_SQL[interval];
  const rows = "program_id = ?1 AND day >= ?2 AND day <= ?3";
  const args = [programId, range.from, range.to, range.campaign] as const;
  const values = new Map<number, { value: number; by_currency?: Record<string, number> }>();
  if (metric === "participation_rate") {
    const [activeRes, joinedRes, beforeRes] = await db.batch([
      db
        .prepare(`SELECT ${bucket} AS b, COUNT(DISTINCT member_id) AS n FROM member_activity WHERE ${rows} GROUP BY b`)
        .bind(...args.slice(0, 3)),
      db
        .prepare(`SELECT ${bucket} AS b, SUM(members_joined) AS n FROM daily_program WHERE ${rows} GROUP BY b`)
        .bind(...args.slice(0, 3)),
      db
        .prepare("SELECT COALESCE(SUM(members_joined), 0) AS n FROM daily_program WHERE program_id = ? AND day < ?")
        .bind(programId, range.from),
    ]);
    const active = new Map(((activeRes?.results ?? []) as { b: number; n: number }[]).map((r) => [r.b, r.n]));
    const joined = new Map(((joinedRes?.results ?? []) as { b: number; n: number }[]).map((r) => [r.b, r.n]));
    let members = ((beforeRes?.results[0] ?? {}) as { n?: number }).n ?? 0;
    for (const b of buckets(range, interval)) {
      members += joined.get(b) ?? 0;
      values.set(b, { value: ratio(active.get(b) ?? 0, members) });
    }
  } else if ((MONEY_METRICS as readonly string[]).includes(metric)) {
    const { results } = await db
      .prepare(
        `SELECT ${bucket} AS b, currency, SUM(${metric}) AS n FROM daily_money
         WHERE ${rows} AND ${campaignClause("?4")} GROUP BY b, currency`,
      )
      .bind(...args)
      .all<{ b: number; currency: string; n: number }>();
    for (const r of results) {
      const point = values.get(r.b) ?? { value: 0, by_currency: {} };
      point.value += r.n;
      if (point.by_currency) point.by_currency[r.currency] = r.n;
      values.set(r.b, point);
    }
  } else {
    const programWide = metric === "unique_visitors" && range.campaign === null;
    const column = metric === "unique_visitors" ? "uniques" : metric;
    const channel = metric === "shares" ? "channel != ''" : "channel = ''";
    const { results } = await db
      .prepare(
        programWide
          ? `SELECT ${bucket} AS b, SUM(uniques) AS n FROM daily_program WHERE ${rows} GROUP BY b`
          : `SELECT ${bucket} AS b, SUM(${column}) AS n FROM daily_stats
             WHERE ${rows} AND ${channel} AND ${metric === "shares" ? "1" : campaignClause("?4")} GROUP BY b`,
      )
      .bind(...(programWide || metric === "shares" ? args.slice(0, 3) : args))
      .all<{ b: number; n: number }>();
    for (const r of results) values.set(r.b, { value: r.n });
  }
  const money = (MONEY_METRICS as readonly string[]).includes(metric);
  return {
    metric,
    interval,
    range: { from: isoDay(range.from), to: isoDay(range.to) },
    campaign: range.campaign,
    points: buckets(range, interval).map((b) => ({
      start: isoDay(bucketStart(b, interval)),
      value: values.get(b)?.value ?? 0,
      ...(money ? { by_currency: values.get(b)?.by_currency ?? {} } : {}),
    })),
  };
}

/** The members with the most conversions in the range (by the day each referral converted). */
export async function topMembers(db: D1Database, programId: string, range: Range, limit: number): Promise<TopMember[]> {
  const converted = lifecycleSql("r").converted;
  const { results } = await db
    .prepare(
      `SELECT r.member_id, m.name, m.code, COUNT(*) AS conversions, MIN(r.converted_at) AS first_at
       FROM referrals r JOIN members m ON m.id = r.member_id
       WHERE r.program_id = ?1 AND r.converted_at >= ?2 AND r.converted_at < ?3 AND ${converted}
         AND (?4 IS NULL OR COALESCE(r.campaign, '') = ?4)
       GROUP BY r.member_id ORDER BY conversions DESC, first_at ASC LIMIT ?5`,
    )
    .bind(programId, range.from * DAY_MS, (range.to + 1) * DAY_MS, range.campaign, limit)
    .all<TopMember & { first_at: number }>();
  return results.map(({ first_at: _first, ...m }) => m);
}
