import { expect, it } from "vitest";
import { FIRST_LOAD_JS_BUDGET, firstLoad } from "../size";

it("the first load's JavaScript is within 150 kB gzip (uPlot, Preact and every page included)", () => {
  const { js, css, files } = firstLoad();
  expect(files.some((f) => f.endsWith(".js"))).toBe(true);
  expect(js).toBeGreaterThan(10_000);
  expect(js).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
  expect(css).toBeLessThan(20_000);
});
