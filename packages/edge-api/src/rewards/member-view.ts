import type { Program } from "../programs/service";

/**
 * The member's rewards as the widget shows them (totals by state, progress to the next milestone).
 * Returns undefined until the rewards engine is enabled for this deployment; the rewards engine owns
 * this function.
 */
export async function memberRewardsView(
  _db: D1Database,
  _program: Program,
  _memberId: string,
): Promise<unknown | undefined> {
  return undefined;
}
