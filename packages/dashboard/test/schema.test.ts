import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

const here = path.resolve(import.meta.dirname, "..");
const bin = (pkg: string, file: string) => path.join(here, "node_modules", pkg, file);

it("src/api-schema.d.ts is what openapi-typescript makes of today's API document (run `pnpm schema` if not)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vouch-schema-"));
  try {
    const doc = path.join(dir, "openapi.json");
    const types = path.join(dir, "schema.d.ts");
    execFileSync(
      process.execPath,
      [path.join(here, "../../node_modules/tsx/dist/cli.mjs"), "../edge-api/scripts/openapi.ts", doc],
      {
        cwd: here,
        stdio: "ignore",
      },
    );
    execFileSync(process.execPath, [bin("openapi-typescript", "bin/cli.js"), doc, "-o", types], {
      cwd: here,
      stdio: "ignore",
    });
    expect(readFileSync(types, "utf8") === readFileSync(path.join(here, "src/api-schema.d.ts"), "utf8")).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
