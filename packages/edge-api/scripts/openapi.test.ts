import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { apiDocument } from "./openapi";

const API_DIR = path.resolve(import.meta.dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "vouch-openapi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the generated API document passes Redocly's recommended rules with no error and no warning (offline)", async () => {
  const file = path.join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(await apiDocument()));
  const { stdout } = await promisify(execFile)(
    "npx",
    ["redocly", "lint", file, "--config", path.join(API_DIR, "redocly.yaml"), "--format=json"],
    {
      cwd: API_DIR,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
  const report = JSON.parse(stdout) as {
    totals: Record<string, number>;
    problems: { ruleId: string; message: string }[];
  };
  expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
