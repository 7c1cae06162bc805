import { newAdminStatements } from "../src/admin/accounts";
import { type D1Target, executeSql, migrate } from "./d1";
import { buildDemoProgram, DEMO, type DemoOptions } from "./demo";
import { toSqlScript } from "./sql";

/**
 * Migrates a local D1 and seeds the demo program (with `rules`, its reward rules too). Safe to run again:
 * existing rows are kept, so rules edited since stay as they are.
 */
export async function migrateAndSeed(target: D1Target, options: DemoOptions = {}): Promise<void> {
  await migrate(target);
  const demo = await buildDemoProgram(options);
  const sql = toSqlScript(demo.statements, { orIgnore: true });
  // Keep the allowed origins in step with the ports in use now.
  const origins = JSON.parse(String(demo.statements[0]?.params[5] ?? "[]")) as string[];
  const q = (v: unknown) => `'${String(v ?? "").replace(/'/g, "''")}'`;
  const row = demo.statements[0]?.params ?? [];
  const update = `UPDATE programs SET allowed_origins = ${q(JSON.stringify(origins))}, landing_url = ${q(row[3])}, program_page_url = ${q(row[4])} WHERE id = ${q(DEMO.programId)};`;
  // Databases seeded before the offer came from the rules kept it as fixed text; let the rules speak instead.
  const legacyOffer = `UPDATE programs SET offer_text = '' WHERE id = ${q(DEMO.programId)} AND offer_text = 'Give $100, get $100.';`;
  // The dashboard's demo owner, in the demo workspace that holds the demo program (kept if it exists).
  const admin = await newAdminStatements({
    email: DEMO.adminEmail,
    password: DEMO.adminPassword,
    role: "owner",
    name: "Demo admin",
    workspaceId: DEMO.workspaceId,
    programIds: [DEMO.programId],
  });
  const workspace = `INSERT OR IGNORE INTO workspaces (id, name, created_at) VALUES (${q(DEMO.workspaceId)}, 'Ledgerly', ${Date.now()});`;
  const adminSql = toSqlScript(admin.statements, { orIgnore: true });
  await executeSql(target, `${sql}\n${update}\n${legacyOffer}\n${workspace}\n${adminSql}`);
}

if (process.argv[1]?.endsWith("seed.ts")) {
  const persistTo = process.argv[2];
  await migrateAndSeed({ mode: "local", ...(persistTo ? { persistTo } : {}) }, { rules: true });
  console.log("Local D1 migrated and seeded with the demo program and its reward rules.");
}
