import { expect, test } from "vitest";
import { BUDGETS, measureSizes } from "../sizes.mjs";

// `pnpm test` builds first, so these are the files the API serves.
test.each(measureSizes())("$file: $gzip B gzip is within its $budget B budget", ({ file, gzip }) => {
  expect(gzip).toBeLessThanOrEqual(BUDGETS[file]!);
});

test("the base script is the smallest: lead capture and consent are compiled out of it", () => {
  const [base, ...variants] = measureSizes();
  for (const variant of variants) expect(base!.gzip).toBeLessThan(variant.gzip);
});
