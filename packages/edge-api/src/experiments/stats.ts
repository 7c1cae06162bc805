/**
 * The statistics behind an experiment's readout, pure. A standard two-proportion z-test with the pooled
 * proportion (the textbook test of "are these two rates different?"), two-sided.
 */

export interface Proportion {
  /** Units that succeeded (e.g. members with a converted referral). */
  successes: number;
  /** Units observed (e.g. members exposed to the variant). */
  trials: number;
}

export interface ZTest {
  /** (p2 − p1) / standard error under the pooled proportion: positive when the second rate is higher. */
  z: number;
  /** Two-sided p-value: the chance of a difference at least this large if the rates were really equal. */
  p_value: number;
  pooled: number;
  standard_error: number;
}

/**
 * Two-proportion z-test (pooled): p = (x1 + x2) / (n1 + n2), SE = √(p(1 − p)(1/n1 + 1/n2)),
 * z = (x2/n2 − x1/n1) / SE, p-value = 2·(1 − Φ(|z|)) = erfc(|z| / √2). Null when it cannot be computed: an
 * empty group, or both groups all-success or all-failure (SE 0: no variation to test).
 */
export function twoProportionZTest(a: Proportion, b: Proportion): ZTest | null {
  const { successes: x1, trials: n1 } = a;
  const { successes: x2, trials: n2 } = b;
  if (n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(standardError > 0)) return null;
  const z = (x2 / n2 - x1 / n1) / standardError;
  return { z, p_value: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)), pooled, standard_error: standardError };
}

/**
 * The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`): fractional
 * error below 1.2e-7 everywhere, plenty for a p-value shown to three significant figures.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) poly = (ERFC_COEFFICIENTS[i] as number) + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
];

/** The significance level the readout uses: below it, a difference is called unlikely to be noise. */
export const ALPHA = 0.05;
