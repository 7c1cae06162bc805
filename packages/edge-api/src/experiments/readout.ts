import { ALPHA, twoProportionZTest } from "./stats";

/**
 * An experiment's numbers per variant and the comparison in plain words, pure.
 *
 * The conversion rate is per member, because members are what the experiment assigns: members with at least
 * one converted referral ÷ members exposed. Counting referrals instead would let one busy member swing a
 * variant, and would break the test's assumption of one yes/no outcome per unit.
 */

export interface VariantCounts {
  variant_id: string;
  key: string;
  name: string | null;
  weight: number;
  exposed: number;
  shares: number;
  visits: number;
  leads: number;
  conversions: number;
  converting_members: number;
  reward_cost: { currency: string; amount: number }[];
}

export interface Comparison {
  leader: string;
  runner_up: string;
  absolute_difference: number;
  relative_difference: number | null;
  test: "two-proportion z-test (pooled), two-sided";
  z: number;
  p_value: number;
  significant: boolean;
}

export function conversionRate(v: Pick<VariantCounts, "exposed" | "converting_members">): number | null {
  return v.exposed > 0 ? v.converting_members / v.exposed : null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${(x * 100).toFixed(1)} percentage points`;

function pValueText(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/**
 * Leader and runner-up by conversion rate (ties broken by more members exposed, then by order), compared
 * with the two-proportion z-test. With more than two variants only the top two are compared.
 */
export function compareVariants(variants: readonly VariantCounts[]): {
  comparison: Comparison | null;
  readout: string;
} {
  const ranked = variants
    .map((v, i) => ({ v, i, rate: conversionRate(v) }))
    .filter((x): x is { v: VariantCounts; i: number; rate: number } => x.rate !== null)
    .sort((a, b) => b.rate - a.rate || b.v.exposed - a.v.exposed || a.i - b.i);
  const [first, second] = ranked;
  const definition = "conversion rate = members with a converted referral ÷ members shown the variant";
  if (!first || !second) {
    return {
      comparison: null,
      readout: `Not enough data yet: at least two variants need members shown them (${definition}).`,
    };
  }
  const test = twoProportionZTest(
    { successes: second.v.converting_members, trials: second.v.exposed },
    { successes: first.v.converting_members, trials: first.v.exposed },
  );
  if (!test) {
    return {
      comparison: null,
      readout: `No difference to test yet: every variant converts at ${pct(first.rate)} (${definition}).`,
    };
  }
  const absolute = first.rate - second.rate;
  const relative = second.rate > 0 ? absolute / second.rate : null;
  const significant = test.p_value < ALPHA;
  const comparison: Comparison = {
    leader: first.v.key,
    runner_up: second.v.key,
    absolute_difference: absolute,
    relative_difference: relative,
    test: "two-proportion z-test (pooled), two-sided",
    z: test.z,
    p_value: test.p_value,
    significant,
  };
  const by =
    relative === null
      ? `${points(absolute)}`
      : `${points(absolute)} (${relative >= 0 ? "+" : ""}${pct(relative)} relative)`;
  const leadText =
    absolute === 0
      ? `Variants ${first.v.key} and ${second.v.key} are level at ${pct(first.rate)}`
      : `Variant ${first.v.key} leads on conversion rate: ${pct(first.rate)} of ${first.v.exposed} members against ${pct(second.rate)} of ${second.v.exposed} for variant ${second.v.key}, ahead by ${by}`;
  const verdict = significant
    ? `Unlikely to be noise (two-proportion z-test, pooled: z = ${test.z.toFixed(2)}, ${pValueText(test.p_value)}, below 0.05).`
    : `This could still be noise (two-proportion z-test, pooled: z = ${test.z.toFixed(2)}, ${pValueText(test.p_value)}, not below 0.05); keep the experiment running.`;
  return { comparison, readout: `${leadText}. ${verdict} (${definition}.)` };
}
