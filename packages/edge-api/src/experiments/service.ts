import { ApiError, isUniqueViolation } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Page } from "../lib/pagination";
import { listPage, rowInProgram } from "../lib/program-rows";
import type { SqlRef } from "../lib/sql";
import { iso } from "../lib/time";
import { lifecycleSql } from "../referrals/lifecycle";
import { type RulesRow, toRuleset } from "../rewards/rules";
import { MONEY_KINDS, type Ruleset, rulesetSchema } from "../rewards/schema";
import { assignVariant } from "./assign";
import { compareVariants, conversionRate, type VariantCounts } from "./readout";
import type { CreateExperimentInput, ExperimentResults, ExperimentView } from "./schema";

export interface ExperimentRow {
  id: string;
  program_id: string;
  name: string;
  status: "running" | "ended";
  started_at: number;
  ended_at: number | null;
  created_at: number;
}

export interface VariantRow {
  id: string;
  experiment_id: string;
  key: string;
  name: string | null;
  weight: number;
  message: string | null;
  rules: string | null;
  position: number;
}

export function experimentView(row: ExperimentRow, variants: readonly VariantRow[]): ExperimentView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    started_at: iso(row.started_at),
    ended_at: iso(row.ended_at),
    created_at: iso(row.created_at),
    variants: variants.map((v) => ({
      id: v.id,
      key: v.key,
      name: v.name,
      weight: v.weight,
      message: v.message,
      rules: v.rules === null ? null : rulesetSchema.parse(JSON.parse(v.rules)),
    })),
  };
}

/**
 * Which experiment runs in a program, kept per isolate for 30 s: enrolment asks on every widget load. A
 * stale answer is harmless: the assignment is only written while the experiment still runs (checked in the
 * statement), and what a member sees and earns is read from D1, never from here.
 */
interface Running {
  experiment: ExperimentRow;
  variants: VariantRow[];
}
const RUNNING_TTL_MS = 30_000;
// The promise is kept, so concurrent requests on a cold isolate share one read.
const runningCache = new Map<string, { at: number; value: Promise<Running | null> }>();

function runningExperiment(db: D1Database, programId: string, now: number): Promise<Running | null> {
  const hit = runningCache.get(programId);
  if (hit && now - hit.at < RUNNING_TTL_MS && now >= hit.at) return hit.value;
  const value = readRunning(db, programId);
  if (runningCache.size >= 1000) runningCache.clear();
  runningCache.set(programId, { at: now, value });
  // A failed read is not kept.
  value.catch(() => runningCache.delete(programId));
  return value;
}

async function readRunning(db: D1Database, programId: string): Promise<Running | null> {
  const [expRes, varRes] = await db.batch([
    db.prepare("SELECT * FROM experiments WHERE program_id = ? AND status = 'running'").bind(programId),
    db
      .prepare(
        `SELECT v.* FROM experiment_variants v JOIN experiments e ON e.id = v.experiment_id
         WHERE e.program_id = ? AND e.status = 'running' ORDER BY v.position`,
      )
      .bind(programId),
  ]);
  const experiment = (expRes?.results[0] as ExperimentRow | undefined) ?? null;
  return experiment ? { experiment, variants: (varRes?.results ?? []) as VariantRow[] } : null;
}

/**
 * The statement that assigns the member to the running experiment's variant, the first time they are
 * shown the program (the widget's enrolment, the portal): none when no experiment runs. Meant to go first
 * in the batch that then reads what the member sees (`memberVariantStatement`, `memberRulesStatement`).
 */
export async function exposureStatements(
  db: D1Database,
  programId: string,
  memberId: string,
  now = Date.now(),
): Promise<D1PreparedStatement[]> {
  const running = await runningExperiment(db, programId, now);
  if (!running || running.variants.length === 0) return [];
  const variant = await assignVariant(running.experiment.id, memberId, running.variants);
  return [
    db
      .prepare(
        `INSERT INTO experiment_assignments (experiment_id, member_id, variant_id, program_id, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM experiments WHERE id = ?1 AND status = 'running')
         ON CONFLICT (experiment_id, member_id) DO NOTHING`,
      )
      .bind(running.experiment.id, memberId, variant.id, programId, now),
  ];
}

const ASSIGNED_RUNNING = `FROM experiment_assignments a
  JOIN experiments e ON e.id = a.experiment_id AND e.status = 'running'
  JOIN experiment_variants v ON v.id = a.variant_id`;

/** The member's variant in the program's running experiment (one row, or none). */
export function memberVariantStatement(db: D1Database, programId: string, memberId: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT e.id AS experiment_id, v.id AS variant_id, v.key, v.message ${ASSIGNED_RUNNING}
       WHERE a.member_id = ? AND a.program_id = ? LIMIT 1`,
    )
    .bind(memberId, programId);
}

export interface MemberVariant {
  experiment_id: string;
  variant_id: string;
  key: string;
  message: string | null;
}

/**
 * The rules a member's referrals earn under: their variant's rule set while an experiment runs and their
 * variant has one, else the program's current rules (`CURRENT_RULES_SQL`). A variant's rule set is never
 * edited, so it is version 1 of itself; `variant_id` tells the two apart. `member` may be a subquery.
 */
export function memberRulesStatement(db: D1Database, programId: string, member: SqlRef): D1PreparedStatement {
  return db
    .prepare(
      `SELECT version, config, created_at, variant_id FROM (
         SELECT 0 AS pri, 1 AS version, v.rules AS config, e.started_at AS created_at, v.id AS variant_id
           ${ASSIGNED_RUNNING}
           WHERE a.member_id = (${member.sql}) AND a.program_id = ? AND v.rules IS NOT NULL
         UNION ALL
         SELECT 1, version, config, created_at, NULL FROM (
           SELECT version, config, created_at FROM reward_rules WHERE program_id = ? ORDER BY version DESC LIMIT 1)
       ) ORDER BY pri LIMIT 1`,
    )
    .bind(...member.params, programId, programId);
}

/** `memberRulesStatement`'s row as a rule set that knows which variant (if any) it came from. */
export function memberRuleset(row: (RulesRow & { variant_id?: string | null }) | null | undefined): Ruleset | null {
  const ruleset = toRuleset(row);
  if (!ruleset) return null;
  const variantId = row?.variant_id ?? null;
  return variantId ? { ...ruleset, experiment_variant_id: variantId } : ruleset;
}

export async function createExperiment(
  db: D1Database,
  programId: string,
  input: CreateExperimentInput,
  now = Date.now(),
): Promise<{ row: ExperimentRow; variants: VariantRow[] }> {
  const row: ExperimentRow = {
    id: newId("exp"),
    program_id: programId,
    name: input.name,
    status: "running",
    started_at: now,
    ended_at: null,
    created_at: now,
  };
  const variants: VariantRow[] = input.variants.map((v, position) => ({
    id: newId("exv"),
    experiment_id: row.id,
    key: v.key,
    name: v.name ?? null,
    weight: v.weight,
    message: v.message ?? null,
    rules: v.rules ? JSON.stringify(v.rules) : null,
    position,
  }));
  try {
    await db.batch([
      db
        .prepare(
          `INSERT INTO experiments (id, program_id, name, status, started_at, ended_at, created_at)
           VALUES (?, ?, ?, 'running', ?, NULL, ?)`,
        )
        .bind(row.id, programId, row.name, now, now),
      ...variants.map((v) =>
        db
          .prepare(
            `INSERT INTO experiment_variants (id, experiment_id, key, name, weight, message, rules, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .bind(v.id, v.experiment_id, v.key, v.name, v.weight, v.message, v.rules, v.position),
      ),
    ]);
  } catch (err) {
    if (!isUniqueViolation(err, "experiments.program_id")) throw err;
    throw new ApiError("experiment_running", "An experiment is already running in this program: end it first.");
  }
  runningCache.delete(programId);
  return { row, variants };
}

export function listExperiments(
  db: D1Database,
  programId: string,
  q: { limit: number; cursor?: string | undefined },
): Promise<Page<ExperimentRow>> {
  return listPage<ExperimentRow>(db, { table: "experiments" }, { program_id: programId }, q);
}

export async function variantsOf(db: D1Database, experimentIds: readonly string[]): Promise<Map<string, VariantRow[]>> {
  const byExperiment = new Map<string, VariantRow[]>();
  if (experimentIds.length === 0) return byExperiment;
  const { results } = await db
    .prepare(
      `SELECT * FROM experiment_variants WHERE experiment_id IN (SELECT value FROM json_each(?))
       ORDER BY experiment_id, position`,
    )
    .bind(JSON.stringify(experimentIds))
    .all<VariantRow>();
  for (const v of results) byExperiment.set(v.experiment_id, [...(byExperiment.get(v.experiment_id) ?? []), v]);
  return byExperiment;
}

export async function getExperiment(
  db: D1Database,
  programId: string,
  id: string,
): Promise<{ row: ExperimentRow; variants: VariantRow[] }> {
  const row = await rowInProgram<ExperimentRow>(db, "experiments", programId, id, [
    "experiment_not_found",
    "experiment",
  ]);
  return { row, variants: (await variantsOf(db, [row.id])).get(row.id) ?? [] };
}

/**
 * Ends the experiment: members go back to the program's message and rules for what happens next. Nothing
 * earned under a variant is touched (rewards keep their rule set and `experiment_variant_id`). Ending an
 * ended experiment changes nothing.
 */
export async function endExperiment(
  db: D1Database,
  programId: string,
  id: string,
  now = Date.now(),
): Promise<{ row: ExperimentRow; variants: VariantRow[] }> {
  await db
    .prepare(
      "UPDATE experiments SET status = 'ended', ended_at = ? WHERE id = ? AND program_id = ? AND status = 'running'",
    )
    .bind(now, id, programId)
    .run();
  runningCache.delete(programId);
  return getExperiment(db, programId, id);
}

const CONVERTED = lifecycleSql("r").converted;
const LEAD = lifecycleSql("r").lead;
const MONEY = [...MONEY_KINDS].map((k) => `'${k}'`).join(", ");

/**
 * The statements behind the results, one batch, each grouped by variant. Every one starts from the
 * experiment's assignments (primary key) and reaches the member's rows through their `member_id` indexes,
 * counting only what happened from the member's exposure until the experiment ended (or now): the cost
 * grows with the members in the experiment, never with the program's whole tables. Referrals (and their
 * conversions and rewards) count for the variant when the lead came in during that window, whenever it
 * converted.
 */
const window = (alias: string) => `${alias}.created_at >= a.created_at AND ${alias}.created_at < ?2`;

/** Bound as (experiment id, until): exposed, shares, visits, leads and conversions, reward cost. */
export const RESULT_SQL = [
  "SELECT variant_id, COUNT(*) AS n FROM experiment_assignments a WHERE experiment_id = ?1 AND ?2 IS NOT NULL GROUP BY variant_id",
  `SELECT a.variant_id, COUNT(*) AS n FROM experiment_assignments a
   JOIN shares s ON s.member_id = a.member_id AND ${window("s")} WHERE a.experiment_id = ?1 GROUP BY a.variant_id`,
  `SELECT a.variant_id, COUNT(*) AS n FROM experiment_assignments a
   JOIN visits v ON v.member_id = a.member_id AND ${window("v")} WHERE a.experiment_id = ?1 GROUP BY a.variant_id`,
  `SELECT a.variant_id, SUM(${LEAD}) AS leads, SUM(${CONVERTED}) AS conversions,
     COUNT(DISTINCT CASE WHEN ${CONVERTED} THEN r.member_id END) AS converting_members
   FROM experiment_assignments a JOIN referrals r ON r.member_id = a.member_id AND ${window("r")}
   WHERE a.experiment_id = ?1 GROUP BY a.variant_id`,
  `SELECT a.variant_id, w.currency, SUM(w.amount) AS amount FROM experiment_assignments a
   JOIN referrals r ON r.member_id = a.member_id AND ${window("r")}
   JOIN rewards w ON w.referral_id = r.id AND w.state != 'voided' AND w.kind IN (${MONEY}) AND w.currency IS NOT NULL
   WHERE a.experiment_id = ?1 GROUP BY a.variant_id, w.currency ORDER BY w.currency`,
] as const;

/**
 * The statements behind the results, one batch, each grouped by variant. Every one starts from the
 * experiment's assignments (primary key) and reaches the member's rows through their `member_id` indexes,
 * counting only what happened from the member's exposure until the experiment ended (or now): the cost
 * grows with the members in the experiment, never with the program's whole tables. Referrals (and their
 * conversions and rewards) count for the variant when the lead came in during that window, whenever it
 * converted.
 */
export function resultStatements(db: D1Database, experimentId: string, until: number): D1PreparedStatement[] {
  return RESULT_SQL.map((sql) => db.prepare(sql).bind(experimentId, until));
}

export async function experimentResults(
  db: D1Database,
  programId: string,
  id: string,
  now = Date.now(),
): Promise<ExperimentResults> {
  const { row, variants } = await getExperiment(db, programId, id);
  const until = row.ended_at ?? now;
  const [exposedRes, sharesRes, visitsRes, referralsRes, costRes] = await db.batch(resultStatements(db, row.id, until));
  const byVariant = <T>(res: D1Result | undefined) => {
    const map = new Map<string, T>();
    for (const r of (res?.results ?? []) as (T & { variant_id: string })[]) map.set(r.variant_id, r);
    return map;
  };
  const exposed = byVariant<{ n: number }>(exposedRes);
  const shares = byVariant<{ n: number }>(sharesRes);
  const visits = byVariant<{ n: number }>(visitsRes);
  const referrals = byVariant<{ leads: number; conversions: number; converting_members: number }>(referralsRes);
  const cost = new Map<string, { currency: string; amount: number }[]>();
  for (const r of (costRes?.results ?? []) as { variant_id: string; currency: string; amount: number }[]) {
    cost.set(r.variant_id, [...(cost.get(r.variant_id) ?? []), { currency: r.currency, amount: r.amount }]);
  }
  const counts: VariantCounts[] = variants.map((v) => ({
    variant_id: v.id,
    key: v.key,
    name: v.name,
    weight: v.weight,
    exposed: exposed.get(v.id)?.n ?? 0,
    shares: shares.get(v.id)?.n ?? 0,
    visits: visits.get(v.id)?.n ?? 0,
    leads: referrals.get(v.id)?.leads ?? 0,
    conversions: referrals.get(v.id)?.conversions ?? 0,
    converting_members: referrals.get(v.id)?.converting_members ?? 0,
    reward_cost: cost.get(v.id) ?? [],
  }));
  const { comparison, readout } = compareVariants(counts);
  return {
    experiment: experimentView(row, variants),
    window: { from: iso(row.started_at) as string, to: iso(until) as string },
    variants: counts.map((c) => ({ ...c, conversion_rate: conversionRate(c) })),
    comparison,
    readout,
  };
}

/** The program with the member's variant's message template, for `renderMessage` (members/service.ts). */
export function withVariantMessage<P extends { messageTemplate: string }>(
  program: P,
  variant: MemberVariant | null,
): P {
  return variant?.message ? { ...program, messageTemplate: variant.message } : program;
}

/** The rules a member's referrals earn under now (see `memberRulesStatement`). */
export async function memberRulesetOf(db: D1Database, programId: string, memberId: string): Promise<Ruleset | null> {
  return memberRuleset(
    await memberRulesStatement(db, programId, { sql: "?", params: [memberId] }).first<
      RulesRow & { variant_id: string | null }
    >(),
  );
}
