/**
 * Daily rollups (migration 0005): `daily_stats` per program × day × campaign × channel, `daily_money` per
 * currency, `daily_program` for program-wide distinct visitors and new members, and `member_activity` for
 * participation. Triggers keep them current in the same transaction as every write; `refoldStatements`
 * recomputes whole days from the raw tables, which the cron runs for the last days so the rollups are exact
 * whatever happened (a trigger added later, a manual fix in the database).
 *
 * Days are UTC days since 1970-01-01: `created_at / 86400000` in SQL, `dayOf(ms)` here.
 */
export const DAY_MS = 86_400_000;

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
export const dayStart = (day: number): number => day * DAY_MS;

/** The referral columns each metric is counted by, and the metric's value per row (lifecycle.ts in SQL). */
const referralFolds: [string, Record<string, string>][] = [
  ["created_at", { leads: "rejected_at IS NULL" }],
  ["qualified_at", { qualified: "rejected_at IS NULL AND reached >= 1" }],
  ["converted_at", { conversions: "rejected_at IS NULL AND reached >= 2 AND status != 'refunded'" }],
  [
    "ended_at",
    {
      churned: "rejected_at IS NULL AND status = 'lost' AND reached >= 2",
      refunded: "rejected_at IS NULL AND status = 'refunded'",
    },
  ],
];

/** How many past days the cron re-folds every run (today included). */
export const REFOLD_DAYS = 3;

/**
 * Statements that recompute days `[from, to]` (inclusive) of every program from the raw tables: the
 * rollup rows of those days are deleted and folded again, in one batch (one transaction).
 */
export function refoldStatements(db: D1Database, from: number, to: number): D1PreparedStatement[] {
  const lo = dayStart(from);
  const hi = dayStart(to + 1);
  const inDays = (column: string) => `${column} >= ?1 AND ${column} < ?2`;
  return [
    db.prepare("DELETE FROM daily_stats WHERE day >= ?1 AND day <= ?2").bind(from, to),
    db.prepare("DELETE FROM daily_money WHERE day >= ?1 AND day <= ?2").bind(from, to),
    db.prepare("DELETE FROM daily_program WHERE day >= ?1 AND day <= ?2").bind(from, to),
    db.prepare("DELETE FROM member_activity WHERE day >= ?1 AND day <= ?2").bind(from, to),
    db
      .prepare(
        `INSERT INTO daily_stats (program_id, day, campaign, channel, visits, uniques)
         SELECT program_id, created_at / 86400000, COALESCE(campaign, ''), '', COUNT(*), COUNT(DISTINCT visitor_hash)
         FROM visits WHERE ${inDays("created_at")} GROUP BY 1, 2, 3`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT INTO daily_stats (program_id, day, campaign, channel, shares)
         SELECT program_id, created_at / 86400000, '', channel, COUNT(*) FROM shares WHERE ${inDays("created_at")}
         GROUP BY 1, 2, 4 ON CONFLICT DO UPDATE SET shares = excluded.shares`,
      )
      .bind(lo, hi),
    // A referral's contributions, each by its own day (see lifecycle.ts and the triggers in migration 0005).
    ...referralFolds.map(([column, metrics]) =>
      db
        .prepare(
          `INSERT INTO daily_stats (program_id, day, campaign, channel, ${Object.keys(metrics).join(", ")})
           SELECT program_id, ${column} / 86400000, COALESCE(campaign, ''), '',
             ${Object.values(metrics)
               .map((m) => `SUM(${m})`)
               .join(", ")}
           FROM referrals WHERE ${inDays(column)} GROUP BY 1, 2, 3
           ON CONFLICT DO UPDATE SET ${Object.keys(metrics)
             .map((k) => `${k} = ${k} + excluded.${k}`)
             .join(", ")}`,
        )
        .bind(lo, hi),
    ),
    db
      .prepare(
        `INSERT INTO daily_money (program_id, day, campaign, currency, revenue)
         SELECT e.program_id, e.created_at / 86400000, COALESCE(r.campaign, ''), e.currency, SUM(e.value_cents)
         FROM events e JOIN referrals r ON r.id = e.referral_id
         WHERE ${inDays("e.created_at")} AND e.to_status IN ('converted', 'renewed') AND e.value_cents IS NOT NULL
           AND e.currency IS NOT NULL
         GROUP BY 1, 2, 3, 4`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned)
         SELECT w.program_id, w.created_at / 86400000, COALESCE(r.campaign, ''), w.currency, SUM(w.amount)
         FROM rewards w JOIN referrals r ON r.id = w.referral_id
         WHERE ${inDays("w.created_at")} AND w.currency IS NOT NULL AND w.state != 'voided'
         GROUP BY 1, 2, 3, 4
         ON CONFLICT DO UPDATE SET rewards_earned = excluded.rewards_earned`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT INTO daily_money (program_id, day, campaign, currency, rewards_paid)
         SELECT w.program_id, w.paid_at / 86400000, COALESCE(r.campaign, ''), w.currency, SUM(w.amount)
         FROM rewards w JOIN referrals r ON r.id = w.referral_id
         WHERE ${inDays("w.paid_at")} AND w.currency IS NOT NULL AND w.state = 'paid'
         GROUP BY 1, 2, 3, 4
         ON CONFLICT DO UPDATE SET rewards_paid = excluded.rewards_paid`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT INTO daily_program (program_id, day, uniques)
         SELECT program_id, created_at / 86400000, COUNT(DISTINCT visitor_hash) FROM visits WHERE ${inDays("created_at")}
         GROUP BY 1, 2`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT INTO daily_program (program_id, day, members_joined)
         SELECT program_id, created_at / 86400000, COUNT(*) FROM members WHERE ${inDays("created_at")} GROUP BY 1, 2
         ON CONFLICT DO UPDATE SET members_joined = excluded.members_joined`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
         SELECT program_id, created_at / 86400000, member_id FROM shares WHERE ${inDays("created_at")}`,
      )
      .bind(lo, hi),
    db
      .prepare(
        `INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
         SELECT program_id, created_at / 86400000, member_id FROM referrals WHERE ${inDays("created_at")}`,
      )
      .bind(lo, hi),
  ];
}

/** The cron's re-fold: the last `REFOLD_DAYS` days, today included. */
export async function refoldRecentDays(db: D1Database, now: number, days = REFOLD_DAYS): Promise<void> {
  const today = dayOf(now);
  await db.batch(refoldStatements(db, today - days + 1, today));
}
