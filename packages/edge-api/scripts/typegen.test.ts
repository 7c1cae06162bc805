import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const API_DIR = path.resolve(import.meta.dirname, "..");
// Beside the committed file, so the paths wrangler writes relative to it are the same.
const out = path.join(API_DIR, ".typegen-check.d.ts");
afterAll(() => rmSync(out, { force: true }));

it("worker-configuration.d.ts is exactly what `pnpm cf-typegen` writes from wrangler.jsonc (Env only)", async () => {
  await promisify(execFile)("npx", ["wrangler", "types", "--include-runtime=false", out], {
    cwd: API_DIR,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  // The header names the command (and so the output path); everything else must match to the byte.
  const body = (file: string) => readFileSync(file, "utf8").split("\n").slice(2).join("\n");
  expect(body(out)).toBe(body(path.join(API_DIR, "worker-configuration.d.ts")));
});
