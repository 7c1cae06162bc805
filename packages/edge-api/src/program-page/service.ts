import { type ProgramRow, toProgram } from "../programs/service";
import { type RulesRow, toRuleset } from "../rewards/rules";

/** The program and its current rules in one round trip. */
export async function readProgramPage(db: D1Database, slug: string) {
  const [program, rules] = await db.batch([
    db.prepare("SELECT * FROM programs WHERE slug = ?").bind(slug),
    db
      .prepare(
        `SELECT version, config, created_at FROM reward_rules
         WHERE program_id = (SELECT id FROM programs WHERE slug = ?) ORDER BY version DESC LIMIT 1`,
      )
      .bind(slug),
  ]);
  const row = program?.results[0] as ProgramRow | undefined;
  if (!row) return null;
  return { program: toProgram(row), ruleset: toRuleset(rules?.results[0] as RulesRow | undefined) };
}
