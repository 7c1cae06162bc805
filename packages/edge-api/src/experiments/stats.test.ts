import { describe, expect, it } from "vitest";
import { assignVariant, bucketOf, variantAt } from "./assign";
import { compareVariants, type VariantCounts } from "./readout";
import { erfc, twoProportionZTest } from "./stats";

describe("two-proportion z-test (pooled)", () => {
  // Reference values from the textbook formulas evaluated with Python's math.erfc (double precision):
  // p = (x1 + x2)/(n1 + n2), z = (x2/n2 − x1/n1)/√(p(1−p)(1/n1 + 1/n2)), p-value = erfc(|z|/√2).
  // The same test as statsmodels' `proportions_ztest([x2, x1], [n2, n1])` (two samples: pooled variance) and R's
  // `prop.test(c(x2, x1), c(n2, n1), correct = FALSE)` (its X-squared is z², the same p-value).
  it.each([
    [200, 1000, 250, 1000, 2.677397763008329, 0.007419649261025693],
    [45, 500, 60, 500, 1.547337646055907, 0.1217818484258567],
    [10, 100, 12, 100, 0.45198461470556844, 0.6512800661041753],
    [30, 1000, 62, 1000, 3.4157169691934297, 0.0006361432856944449],
  ])("%i/%i vs %i/%i", (x1, n1, x2, n2, z, p) => {
    const test = twoProportionZTest({ successes: x1, trials: n1 }, { successes: x2, trials: n2 });
    expect(test?.z).toBeCloseTo(z, 9);
    expect(Math.abs((test?.p_value ?? 0) - p) / p).toBeLessThan(2e-6);
    // Swapping the groups flips z and keeps the p-value.
    const swapped = twoProportionZTest({ successes: x2, trials: n2 }, { successes: x1, trials: n1 });
    expect(swapped?.z).toBeCloseTo(-z, 9);
    expect(swapped?.p_value).toBeCloseTo(test?.p_value ?? -1, 12);
  });

  it("is null without variation or without members, and p = 1 for equal rates", () => {
    expect(twoProportionZTest({ successes: 0, trials: 10 }, { successes: 0, trials: 20 })).toBeNull();
    expect(twoProportionZTest({ successes: 5, trials: 5 }, { successes: 9, trials: 9 })).toBeNull();
    expect(twoProportionZTest({ successes: 0, trials: 0 }, { successes: 1, trials: 9 })).toBeNull();
    expect(twoProportionZTest({ successes: 3, trials: 10 }, { successes: 6, trials: 20 })?.p_value).toBeCloseTo(1, 6);
  });

  it("erfc matches known values", () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207050285, 7);
    expect(erfc(1.959963984540054 / Math.SQRT2)).toBeCloseTo(0.05, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 7);
  });
});

describe("assignment", () => {
  it("splits 10,000 members close to the weights, the same way every time", async () => {
    const variants = [
      { id: "a", weight: 1 },
      { id: "b", weight: 1 },
      { id: "c", weight: 2 },
    ];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const first: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const v = await assignVariant("exp_test", `mem_${i}`, variants);
      counts[v.id] = (counts[v.id] ?? 0) + 1;
      first.push(v.id);
    }
    // Expected 2,500 / 2,500 / 5,000; a fair split stays within 4 standard deviations (±173 and ±200).
    expect(Math.abs((counts.a ?? 0) - 2500)).toBeLessThan(175);
    expect(Math.abs((counts.b ?? 0) - 2500)).toBeLessThan(175);
    expect(Math.abs((counts.c ?? 0) - 5000)).toBeLessThan(200);
    for (let i = 0; i < 200; i++) expect((await assignVariant("exp_test", `mem_${i}`, variants)).id).toBe(first[i]);
  });

  it("another experiment splits the same members independently", async () => {
    const variants = [
      { id: "a", weight: 1 },
      { id: "b", weight: 1 },
    ];
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      const x = await assignVariant("exp_one", `mem_${i}`, variants);
      const y = await assignVariant("exp_two", `mem_${i}`, variants);
      if (x.id === y.id) same++;
    }
    expect(same).toBeGreaterThan(430);
    expect(same).toBeLessThan(570);
  });

  it("lays the point over cumulative weights", async () => {
    const variants = [
      { id: "a", weight: 3 },
      { id: "b", weight: 1 },
    ];
    expect(variantAt(variants, 0).id).toBe("a");
    expect(variantAt(variants, 0.7499).id).toBe("a");
    expect(variantAt(variants, 0.75).id).toBe("b");
    expect(variantAt(variants, 0.999999).id).toBe("b");
    const point = await bucketOf("exp_x", "mem_y");
    expect(point).toBeGreaterThanOrEqual(0);
    expect(point).toBeLessThan(1);
  });
});

const counts = (key: string, exposed: number, converting: number): VariantCounts => ({
  variant_id: `exv_${key}`,
  key,
  name: null,
  weight: 1,
  exposed,
  shares: 0,
  visits: 0,
  leads: converting,
  conversions: converting,
  converting_members: converting,
  reward_cost: [],
});

describe("readout", () => {
  it("names the leader, the gap and a significant difference", () => {
    const { comparison, readout } = compareVariants([counts("a", 1000, 200), counts("b", 1000, 250)]);
    expect(comparison).toMatchObject({ leader: "b", runner_up: "a", significant: true });
    expect(comparison?.absolute_difference).toBeCloseTo(0.05, 12);
    expect(comparison?.relative_difference).toBeCloseTo(0.25, 12);
    expect(comparison?.p_value).toBeCloseTo(0.0074196, 5);
    expect(readout).toContain("Variant b leads on conversion rate: 25.0% of 1000 members against 20.0% of 1000");
    expect(readout).toContain("5.0 percentage points (+25.0% relative)");
    expect(readout).toContain("Unlikely to be noise (two-proportion z-test, pooled: z = 2.68, p = 0.007");
  });

  it("says when it could still be noise, and when there is nothing to compare", () => {
    const noisy = compareVariants([counts("a", 100, 10), counts("b", 100, 12)]);
    expect(noisy.comparison?.significant).toBe(false);
    expect(noisy.readout).toContain("could still be noise");
    expect(noisy.readout).toContain("p = 0.65");
    expect(compareVariants([counts("a", 10, 1), counts("b", 0, 0)]).comparison).toBeNull();
    expect(compareVariants([counts("a", 10, 1), counts("b", 0, 0)]).readout).toContain("Not enough data");
    expect(compareVariants([counts("a", 10, 0), counts("b", 12, 0)]).readout).toContain("No difference to test");
  });
});
