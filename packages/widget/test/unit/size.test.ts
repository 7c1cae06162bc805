import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

/** Budgets from the issue (size-budgets.json, also read by `pnpm bench`); `pnpm test` builds dist first. */
const BUDGETS: Record<string, number> = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../../size-budgets.json"), "utf8"),
);

const dist = path.join(import.meta.dirname, "../../dist");

describe("size budgets (gzip)", () => {
  for (const [file, budget] of Object.entries(BUDGETS)) {
    it(`${file} ≤ ${budget} bytes`, () => {
      // Gzip level 9, exact bytes.
      const size = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
      expect(size).toBeGreaterThan(1000); // a real build, not an empty file
      expect(size).toBeLessThanOrEqual(budget);
    });
  }

  it("keeps Preact out of the loader", () => {
    const loader = readFileSync(path.join(dist, "widget.js"), "utf8");
    const panel = readFileSync(path.join(dist, "widget-panel.js"), "utf8");
    // Preact's render path names its `__k` (children) field; only the panel chunk may contain it.
    expect(panel).toContain("__k");
    expect(loader).not.toContain("__k");
  });
});
