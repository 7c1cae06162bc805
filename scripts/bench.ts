/**
 * `pnpm bench`: every benchmark in scripts/bench/, one after another (they share two cores, so never
 * in parallel). Each prints its own figures; this only orders them and reports failures.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "bench");
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n━━ ${file.replace(/\.ts$/, "")} ━━`);
  try {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: () => Promise<void> };
    await mod.default();
  } catch (err) {
    failed++;
    console.error(`bench ${file} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
