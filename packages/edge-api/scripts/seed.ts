import { type D1Target, executeSql, migrate } from "./d1";
import { buildDemoProgram, DEMO } from "./demo";
import { toSqlScript } from "./sql";

/** Migrates a local D1 and seeds the demo program. Safe to run again: existing rows are kept. */
export async function migrateAndSeed(
  target: D1Target,
  ports: { marketingPort?: number; dashboardPort?: number; extraOrigins?: string[] } = {},
): Promise<void> {
  await migrate(target);
  const demo = await buildDemoProgram(ports);
  const sql = toSqlScript(demo.statements, { orIgnore: true });
  // Keep the allowed origins in step with the ports in use now.
  const origins = JSON.parse(String(demo.statements[0]?.params[5] ?? "[]")) as string[];
  const q = (v: unknown) => `'${String(v ?? "").replace(/'/g, "''")}'`;
  const row = demo.statements[0]?.params ?? [];
  const update = `UPDATE programs SET allowed_origins = ${q(JSON.stringify(origins))}, landing_url = ${q(row[3])}, program_page_url = ${q(row[4])} WHERE id = ${q(DEMO.programId)};`;
  await executeSql(target, `${sql}\n${update}`);
}

if (process.argv[1]?.endsWith("seed.ts")) {
  const persistTo = process.argv[2];
  await migrateAndSeed({ mode: "local", ...(persistTo ? { persistTo } : {}) });
  console.log("Local D1 migrated and seeded with the demo program.");
}
