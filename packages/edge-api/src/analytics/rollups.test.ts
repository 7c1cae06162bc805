import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeProgram } from "../../test/fixtures";
import worker from "../index";
import { lifecycleSql } from "../referrals/lifecycle";
import { DAY_MS, dayOf } from "./rollups";
import { type Range, summarize, timeseries } from "./service";

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TODAY = dayOf(Date.UTC(2026, 10, 30));
const STATUSES = ["lead", "qualified", "converted", "renewed", "lost", "refunded"] as const;

/** Random visits, shares, referrals (with their lifecycle columns), payments and rewards over 40 days, as raw rows. */
async function seedRandom(programId: string, seed: number) {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const at = () => (TODAY - Math.floor(rnd() * 40)) * DAY_MS + Math.floor(rnd() * DAY_MS);
  const campaigns = [null, "spring", "autumn"];
  const statements: D1PreparedStatement[] = [];
  const members = Array.from({ length: 6 }, (_, i) => `mem_${programId.slice(4, 12)}${String(i).padStart(8, "0")}`);
  for (const [i, id] of members.entries()) {
    statements.push(
      env.DB.prepare("INSERT INTO members (id, program_id, external_id, code, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        id,
        programId,
        `m${i}`,
        `CODE${i}${seed}`,
        at(),
      ),
    );
  }
  for (let i = 0; i < 300; i++) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO visits (id, program_id, member_id, code, campaign, visitor_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        `clk_${programId.slice(4, 12)}${String(i).padStart(8, "0")}`,
        programId,
        pick(members),
        "X",
        pick(campaigns),
        `h${Math.floor(rnd() * 60)}`,
        at(),
      ),
    );
  }
  for (let i = 0; i < 40; i++) {
    statements.push(
      env.DB.prepare("INSERT INTO shares (id, program_id, member_id, channel, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        `shr_${programId.slice(4, 12)}${String(i).padStart(8, "0")}`,
        programId,
        pick(members),
        pick(["email", "linkedin", "x"]),
        at(),
      ),
    );
  }
  for (let i = 0; i < 80; i++) {
    const id = `ref_${programId.slice(4, 12)}${String(i).padStart(8, "0")}`;
    const created = at();
    const status = pick(STATUSES);
    const reached =
      status === "lead"
        ? 0
        : status === "qualified"
          ? 1
          : status === "renewed"
            ? 3
            : status === "converted"
              ? 2
              : pick([0, 1, 2]);
    const q = reached >= 1 ? created + Math.floor(rnd() * 5) * DAY_MS : null;
    const c = reached >= 2 ? (q ?? created) + Math.floor(rnd() * 5) * DAY_MS : null;
    const ended = status === "lost" || status === "refunded" ? (c ?? q ?? created) + DAY_MS : null;
    const member = pick(members);
    statements.push(
      env.DB.prepare(
        `INSERT INTO referrals (id, program_id, member_id, campaign, source, friend_email, friend_email_key, status, version,
           reached, qualified_at, converted_at, ended_at, value_cents, currency, created_at, updated_at, rejected_at)
         VALUES (?, ?, ?, ?, 'form', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        id,
        programId,
        member,
        pick(campaigns),
        `f${i}@x.test`,
        `f${i}@x.test`,
        status,
        reached,
        q,
        c,
        ended,
        c ? 9900 : null,
        c ? "USD" : null,
        created,
        created,
        rnd() < 0.05 ? created : null,
      ),
    );
    if (c) {
      statements.push(
        env.DB.prepare(
          `INSERT INTO events (id, program_id, referral_id, seq, to_status, value_cents, currency, created_at)
           VALUES (?, ?, ?, 1, 'converted', 9900, ?, ?)`,
        ).bind(`evt_${id.slice(4)}`, programId, id, pick(["USD", "EUR"]), c),
        env.DB.prepare(
          `INSERT INTO rewards (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version, dedupe_key,
             kind, amount, currency, state, auto_approve, available_at, created_at, paid_at)
           VALUES (?, ?, ?, ?, ?, 'member', 'r', 1, ?, 'cash', ?, ?, ?, 1, ?, ?, ?)`,
        ).bind(
          `rwd_${id.slice(4)}`,
          programId,
          member,
          id,
          `evt_${id.slice(4)}`,
          `r:${id}`,
          1000 + i,
          pick(["USD", "EUR"]),
          pick(["approved", "paid", "voided"]),
          c,
          c,
          c + DAY_MS,
        ),
      );
    }
  }
  // D1 batches are transactions: in slices, like many requests would write them.
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
}

/** The same answers computed from the raw tables, the slow way the rollups replace. */
async function fromRawTables(programId: string, range: Range) {
  const lo = range.from * DAY_MS;
  const hi = (range.to + 1) * DAY_MS;
  // ?4 is always bound (D1 refuses a binding the SQL does not use), so "every campaign" mentions it too.
  const camp = range.campaign === null ? "?4 IS NOT NULL" : "COALESCE(campaign, '') = ?4";
  const l = lifecycleSql("r");
  const one = <T>(sql: string) =>
    env.DB.prepare(sql)
      .bind(programId, lo, hi, range.campaign ?? "")
      .first<T>() as Promise<T>;
  const refs = (column: string, predicate: string) =>
    one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM referrals r WHERE program_id = ?1 AND ${column} >= ?2 AND ${column} < ?3 AND ${predicate} AND ${camp}`,
    ).then((r) => r.n);
  const uniques = await one<{ n: number }>(
    `SELECT COALESCE(SUM(n), 0) AS n FROM (SELECT COUNT(DISTINCT visitor_hash) AS n FROM visits
       WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${camp} GROUP BY created_at / 86400000)`,
  );
  return {
    visits: (
      await one<{ n: number }>(
        `SELECT COUNT(*) AS n FROM visits WHERE program_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND ${camp}`,
      )
    ).n,
    unique_visitors: uniques.n,
    leads: await refs("created_at", l.lead),
    qualified: await refs("qualified_at", l.qualified),
    conversions: await refs("converted_at", l.converted),
    churned: await refs("ended_at", l.churned),
    refunded: await refs("ended_at", l.refunded),
    revenueUsd: (
      await one<{ n: number }>(
        `SELECT COALESCE(SUM(e.value_cents), 0) AS n FROM events e JOIN referrals r ON r.id = e.referral_id
         WHERE e.program_id = ?1 AND e.created_at >= ?2 AND e.created_at < ?3 AND e.currency = 'USD' AND ${camp.replace("campaign", "r.campaign")}`,
      )
    ).n,
    earnedEur: (
      await one<{ n: number }>(
        `SELECT COALESCE(SUM(w.amount), 0) AS n FROM rewards w JOIN referrals r ON r.id = w.referral_id
         WHERE w.program_id = ?1 AND w.created_at >= ?2 AND w.created_at < ?3 AND w.currency = 'EUR' AND w.state != 'voided'
           AND ${camp.replace("campaign", "r.campaign")}`,
      )
    ).n,
    paidUsd: (
      await one<{ n: number }>(
        `SELECT COALESCE(SUM(w.amount), 0) AS n FROM rewards w JOIN referrals r ON r.id = w.referral_id
         WHERE w.program_id = ?1 AND w.paid_at >= ?2 AND w.paid_at < ?3 AND w.currency = 'USD' AND w.state = 'paid'
           AND ${camp.replace("campaign", "r.campaign")}`,
      )
    ).n,
  };
}

async function compare(programId: string, rnd: () => number, rounds: number) {
  for (let k = 0; k < rounds; k++) {
    const from = TODAY - Math.floor(rnd() * 45);
    const to = Math.min(TODAY, from + Math.floor(rnd() * 30));
    const campaign = [null, "spring", "autumn", ""][Math.floor(rnd() * 4)] as string | null;
    const range: Range = { from, to, campaign };
    const report = await summarize(env.DB, programId, range);
    const raw = await fromRawTables(programId, range);
    const money = (c: string) => report.money.find((m) => m.currency === c);
    expect(
      {
        visits: report.visits,
        unique_visitors: report.unique_visitors,
        leads: report.leads,
        qualified: report.qualified,
        conversions: report.conversions,
        churned: report.churned,
        refunded: report.refunded,
        revenueUsd: money("USD")?.revenue ?? 0,
        earnedEur: money("EUR")?.rewards_earned ?? 0,
        paidUsd: money("USD")?.rewards_paid ?? 0,
      },
      JSON.stringify(range),
    ).toEqual(raw);
    const series = await timeseries(env.DB, programId, range, "conversions", "week");
    expect(series.points.reduce((s, p) => s + p.value, 0)).toBe(report.conversions);
  }
}

describe("daily rollups", () => {
  it("give the raw tables' answers on random data, after updates, and after the cron re-folds", async () => {
    const p = await makeProgram();
    await seedRandom(p.id, 7);
    const rnd = random(42);
    await compare(p.id, rnd, 12);

    // Refunds, rejections, churn and a campaign change move the counts to where they belong.
    await env.DB.batch([
      env.DB.prepare(
        `UPDATE referrals SET status = 'refunded', ended_at = COALESCE(converted_at, created_at) + 86400000
         WHERE program_id = ? AND status = 'converted' AND rowid % 2 = 0`,
      ).bind(p.id),
      env.DB.prepare(
        "UPDATE referrals SET rejected_at = created_at WHERE program_id = ? AND status = 'qualified' AND rowid % 3 = 0",
      ).bind(p.id),
      env.DB.prepare(
        "UPDATE referrals SET campaign = 'autumn' WHERE program_id = ? AND campaign = 'spring' AND rowid % 2 = 1",
      ).bind(p.id),
      env.DB.prepare(
        "UPDATE rewards SET state = 'voided' WHERE program_id = ? AND state = 'approved' AND rowid % 2 = 0",
      ).bind(p.id),
    ]);
    await compare(p.id, rnd, 12);

    // The cron re-folds the last days from the raw tables: the answers do not move, and a rollup row that
    // drifted (a manual fix in the database, say) is made exact again.
    const before = await summarize(env.DB, p.id, { from: TODAY - 40, to: TODAY, campaign: null });
    await env.DB.prepare("UPDATE daily_stats SET visits = visits + 1000 WHERE program_id = ? AND day = ?")
      .bind(p.id, TODAY - 1)
      .run();
    expect((await summarize(env.DB, p.id, { from: TODAY - 40, to: TODAY, campaign: null })).visits).not.toBe(
      before.visits,
    );
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: (TODAY + 0.5) * DAY_MS }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await summarize(env.DB, p.id, { from: TODAY - 40, to: TODAY, campaign: null })).toEqual(before);
    await compare(p.id, rnd, 6);
  });
});
