/**
 * Analytics at scale: seeds the demo program with 100,000 and then 1,000,000 visits (and 10 % as many
 * referrals, with their events and rewards) spread over the last year into a local D1, through the real
 * rollup triggers, then measures the summary and the time series for 30 days, 6 months and a year.
 * Targets: p95 < 150 ms at 1,000,000 visits for every range; the 1,000,000 figure within 2× of 100,000.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { executeSql } from "../../packages/edge-api/scripts/d1";
import { migrateAndSeed } from "../../packages/edge-api/scripts/seed";
import { DEMO, startApi } from "../lib/stack";

const SIZES = (process.env.BENCH_ANALYTICS_SIZES ?? "100000,1000000").split(",").map(Number);
const REQUESTS = Number(process.env.BENCH_ANALYTICS_REQUESTS ?? 40);
const DAY = 86_400_000;

/** Members, visits, referrals (with lifecycle), their events and rewards, by recursive CTEs. */
function seedSql(visits: number, now: number): string {
  const referrals = Math.floor(visits / 10);
  const p = `'${DEMO.programId}'`;
  const day = (i: string) => `${now} - ((${i}) % 365) * ${DAY} - ((${i}) % 86400) * 1000`;
  return `
INSERT OR IGNORE INTO members (id, program_id, external_id, code, created_at)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
  SELECT printf('mem_bench%07d', i), ${p}, printf('bench-%d', i), printf('BENCH%05d', i), ${now - 400 * DAY} FROM n;
INSERT INTO visits (id, program_id, member_id, code, campaign, visitor_hash, created_at)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${visits - 1})
  SELECT printf('clk_bench%011d', i), ${p}, printf('mem_bench%07d', i % 2000), printf('BENCH%05d', i % 2000),
    CASE i % 4 WHEN 0 THEN NULL ELSE 'campaign-' || (i % 4) END, printf('v%d', i / 2), ${day("i")} FROM n;
INSERT INTO referrals (id, program_id, member_id, campaign, source, friend_email, friend_email_key, status, version,
    reached, qualified_at, converted_at, ended_at, plan, value_cents, currency, created_at, updated_at)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${referrals - 1})
  SELECT printf('ref_bench%011d', i), ${p}, printf('mem_bench%07d', i % 2000),
    CASE i % 4 WHEN 0 THEN NULL ELSE 'campaign-' || (i % 4) END, 'form',
    printf('f%d@bench.test', i), printf('f%d@bench.test', i),
    CASE i % 10 WHEN 0 THEN 'lost' WHEN 1 THEN 'refunded' WHEN 2 THEN 'qualified' WHEN 3 THEN 'qualified'
      WHEN 4 THEN 'renewed' WHEN 5 THEN 'converted' WHEN 6 THEN 'converted' ELSE 'lead' END,
    1,
    CASE WHEN i % 10 IN (2, 3) THEN 1 WHEN i % 10 IN (0, 1, 5, 6) THEN 2 WHEN i % 10 = 4 THEN 3 ELSE 0 END,
    CASE WHEN i % 10 BETWEEN 0 AND 6 THEN ${day("i")} + 3600000 END,
    CASE WHEN i % 10 IN (0, 1, 4, 5, 6) THEN ${day("i")} + 7200000 END,
    CASE WHEN i % 10 IN (0, 1) THEN ${day("i")} + 10800000 END,
    'growth', CASE WHEN i % 10 IN (0, 1, 4, 5, 6) THEN 9900 END, CASE WHEN i % 10 IN (0, 1, 4, 5, 6) THEN 'USD' END,
    ${day("i")}, ${day("i")} FROM n;
INSERT INTO events (id, program_id, referral_id, seq, from_status, to_status, value_cents, currency, created_at)
  SELECT 'evt_' || substr(id, 5), program_id, id, 1, NULL, 'converted', value_cents, currency, converted_at
  FROM referrals WHERE program_id = ${p} AND id LIKE 'ref_bench%' AND converted_at IS NOT NULL;
INSERT INTO rewards (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version, dedupe_key,
    kind, amount, currency, state, auto_approve, available_at, created_at, paid_at)
  SELECT 'rwd_' || substr(id, 5), program_id, member_id, id, 'evt_' || substr(id, 5), 'member', 'bench', 1,
    'bench:' || id, 'cash', 5000, 'USD', CASE WHEN status = 'refunded' THEN 'voided' WHEN status = 'renewed' THEN 'paid'
    ELSE 'approved' END, 1, converted_at, converted_at, CASE WHEN status = 'renewed' THEN converted_at + ${DAY} END
  FROM referrals WHERE program_id = ${p} AND id LIKE 'ref_bench%' AND converted_at IS NOT NULL;
`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timeRequests(url: string): Promise<{ p50: number; p95: number }> {
  const headers = { authorization: `Bearer ${DEMO.secretKey}` };
  const first = await fetch(url, { headers });
  if (!first.ok) throw new Error(`${url} answered ${first.status}: ${await first.text()}`);
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

const RANGES = [
  { name: "30 days", days: 30, interval: "day" },
  { name: "6 months", days: 182, interval: "week" },
  { name: "1 year", days: 365, interval: "month" },
] as const;

export default async function analyticsBench(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  const p95: Record<string, number> = {};
  for (const size of SIZES) {
    const persistTo = mkdtempSync(path.join(tmpdir(), "vouch-bench-analytics-"));
    try {
      const target = { mode: "local" as const, persistTo, env: "bench" };
      await migrateAndSeed(target);
      const now = Date.now();
      const seeding = performance.now();
      await executeSql(target, seedSql(size, now));
      console.log(
        `seeded ${size.toLocaleString("en")} visits in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
      );
      const api = await startApi({ persistTo, env: "bench" });
      try {
        for (const range of RANGES) {
          const to = new Date(now).toISOString().slice(0, 10);
          const from = new Date(now - (range.days - 1) * DAY).toISOString().slice(0, 10);
          for (const [what, url] of [
            ["summary", `${api.url}/v1/analytics/summary?from=${from}&to=${to}`],
            [
              `timeseries (visits by ${range.interval})`,
              `${api.url}/v1/analytics/timeseries?metric=visits&interval=${range.interval}&from=${from}&to=${to}`,
            ],
          ] as const) {
            const t = await timeRequests(url);
            p95[`${size}:${range.name}:${what}`] = t.p95;
            rows.push({
              visits: size.toLocaleString("en"),
              range: range.name,
              request: what,
              "p50 ms": Math.round(t.p50),
              "p95 ms": Math.round(t.p95),
            });
          }
        }
      } finally {
        await api.stop();
      }
    } finally {
      rmSync(persistTo, { recursive: true, force: true });
    }
  }
  console.log(`Analytics on local workerd, ${REQUESTS} requests each, one at a time (2-core machine)`);
  console.table(rows);
  const [small, large] = [Math.min(...SIZES), Math.max(...SIZES)];
  const worst = Math.max(
    ...Object.entries(p95)
      .filter(([k]) => k.startsWith(`${large}:`))
      .map(([, v]) => v),
  );
  console.log(
    `worst p95 at ${large.toLocaleString("en")} visits: ${Math.round(worst)} ms (target < 150) ${worst < 150 ? "✓" : "✗"}`,
  );
  if (small !== large) {
    const ratios = Object.entries(p95)
      .filter(([k]) => k.startsWith(`${large}:`))
      .map(([k, v]) => v / (p95[k.replace(`${large}:`, `${small}:`)] ?? v));
    const ratio = Math.max(...ratios);
    console.log(
      `worst p95 ratio ${large.toLocaleString("en")} / ${small.toLocaleString("en")}: ${ratio.toFixed(2)}× (target ≤ 2) ${ratio <= 2 ? "✓" : "✗"}`,
    );
  }
}
