import { ApiError, isUniqueViolation } from "../lib/errors";
import { type Ruleset, type RulesetConfig, rulesetSchema } from "./schema";

export interface RulesRow {
  version: number;
  config: string;
  created_at: number;
}

export const CURRENT_RULES_SQL =
  "SELECT version, config, created_at FROM reward_rules WHERE program_id = ? ORDER BY version DESC LIMIT 1";

/** A stored config is parsed again (defaults of later releases fill in); a broken row means no rules. */
export function toRuleset(row: RulesRow | null | undefined): Ruleset | null {
  if (!row) return null;
  // A stored version never changes, so its parsed form is kept per isolate (every transition reads it).
  const key = `${row.version}:${row.config}`;
  const hit = parsedConfigs.get(key);
  if (hit !== undefined) return hit;
  const parsed = rulesetSchema.safeParse(JSON.parse(row.config));
  if (!parsed.success) console.error("stored reward rules do not parse", { version: row.version });
  const ruleset = parsed.success ? { version: row.version, config: parsed.data } : null;
  if (parsedConfigs.size >= 256) parsedConfigs.clear();
  parsedConfigs.set(key, ruleset);
  return ruleset;
}

const parsedConfigs = new Map<string, Ruleset | null>();

export async function currentRulesRow(db: D1Database, programId: string): Promise<RulesRow | null> {
  return db.prepare(CURRENT_RULES_SQL).bind(programId).first<RulesRow>();
}

export async function currentRuleset(db: D1Database, programId: string): Promise<Ruleset | null> {
  return toRuleset(await currentRulesRow(db, programId));
}

/** The last 100 saved versions, newest first. */
export async function ruleVersions(db: D1Database, programId: string): Promise<RulesRow[]> {
  const { results } = await db
    .prepare(
      "SELECT version, config, created_at FROM reward_rules WHERE program_id = ? ORDER BY version DESC LIMIT 100",
    )
    .bind(programId)
    .all<RulesRow>();
  return results;
}

/** One saved version; `version` is the path segment as sent, so anything but a number is simply not found. */
export async function ruleVersion(db: D1Database, programId: string, version: string): Promise<RulesRow> {
  const n = Number(version);
  const row = Number.isInteger(n)
    ? await db
        .prepare("SELECT version, config, created_at FROM reward_rules WHERE program_id = ? AND version = ?")
        .bind(programId, n)
        .first<RulesRow>()
    : null;
  if (!row) throw new ApiError("not_found", `No reward rules version ${version}.`);
  return row;
}

export function rulesetView(programId: string, row: RulesRow | null) {
  const ruleset = toRuleset(row);
  return {
    program_id: programId,
    version: ruleset?.version ?? 0,
    ...(ruleset?.config ?? rulesetSchema.parse({})),
    created_at: row ? new Date(row.created_at).toISOString() : null,
  };
}

/**
 * Saves the rules as a new version. Unchanged rules keep their version. The version is the primary
 * key's second half, so two admins saving at once cannot both become version N + 1.
 */
export async function saveRuleset(
  db: D1Database,
  programId: string,
  config: RulesetConfig,
  expectedVersion: number | undefined,
): Promise<{ row: RulesRow; created: boolean }> {
  const current = await currentRulesRow(db, programId);
  const currentVersion = current?.version ?? 0;
  if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
    throw new ApiError(
      "rules_version_conflict",
      `The rules are at version ${currentVersion}, not ${expectedVersion}.`,
      {
        current_version: currentVersion,
      },
    );
  }
  const json = JSON.stringify(config);
  if (current && current.config === json) return { row: current, created: false };
  const row: RulesRow = { version: currentVersion + 1, config: json, created_at: Date.now() };
  try {
    await db
      .prepare("INSERT INTO reward_rules (program_id, version, config, created_at) VALUES (?, ?, ?, ?)")
      .bind(programId, row.version, row.config, row.created_at)
      .run();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new ApiError("rules_version_conflict", "Someone saved the rules at the same time. Read them and retry.", {
      current_version: currentVersion + 1,
    });
  }
  return { row, created: true };
}
