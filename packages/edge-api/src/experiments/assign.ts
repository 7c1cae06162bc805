/**
 * Which variant a member gets: SHA-256 of `<experiment id>:<member id>`, its first 32 bits as a fraction
 * of 2^32, laid over the variants' weights in their order. Pure and deterministic: the same member in the
 * same experiment always lands in the same variant (on any isolate, before or after the row is stored),
 * and different experiments split the same members independently.
 */

export interface WeightedVariant {
  id: string;
  weight: number;
}

/** The member's point in [0, 1) for this experiment. */
export async function bucketOf(experimentId: string, memberId: string): Promise<number> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${experimentId}:${memberId}`));
  return new DataView(digest).getUint32(0) / 2 ** 32;
}

/** The variant whose share of the total weight covers `point` (variants in their stored order). */
export function variantAt<V extends WeightedVariant>(variants: readonly V[], point: number): V {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let edge = 0;
  for (const v of variants) {
    edge += v.weight / total;
    if (point < edge) return v;
  }
  // Rounding can leave the last edge a hair under 1.
  return variants[variants.length - 1] as V;
}

export async function assignVariant<V extends WeightedVariant>(
  experimentId: string,
  memberId: string,
  variants: readonly V[],
): Promise<V> {
  return variantAt(variants, await bucketOf(experimentId, memberId));
}
