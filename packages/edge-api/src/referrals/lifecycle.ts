import type { ReferralStatus } from "./status";

/**
 * One referral lifecycle: the only place that says what "qualified", "converted", "active customer" and
 * "churned" mean. Every view uses these (the widget's counts, the rewards engine's milestones, the
 * leaderboard, analytics), as the pure functions below or as the SQL fragments that match them, so after a
 * churn or a refund every view tells the same story.
 *
 * - **Reached** is how far along the funnel a referral has ever been (lead 0, qualified 1, converted 2,
 *   renewed 3): a lead that converted without being marked qualified has reached qualified too. It is
 *   stored on the referral (`referrals.reached`) and only grows.
 * - **Qualified**: reached qualified (a customer who later left was still qualified).
 * - **Converted** (a successful referral): reached converted and not refunded. A churned customer paid, so
 *   they still count; a refunded sale never happened.
 * - **Active customer**: paying now (converted or renewed).
 * - **Churned**: lost after converting. **Lost deal**: lost before converting.
 * - A referral whose fraud review was rejected counts for nothing.
 */

/** How far along the funnel each status is; `lost` and `refunded` end a referral and reach nothing. */
export const FUNNEL_RANK: Record<ReferralStatus, number> = {
  lead: 0,
  qualified: 1,
  converted: 2,
  renewed: 3,
  lost: -1,
  refunded: -1,
};

export const FUNNEL_STAGES = ["lead", "qualified", "converted", "renewed"] as const;

/** The furthest funnel rank among statuses a referral has had (its events, oldest first). */
export function reachedRank(statuses: Iterable<ReferralStatus>): number {
  let best = 0;
  for (const s of statuses) best = Math.max(best, FUNNEL_RANK[s]);
  return best;
}

export interface LifecycleFacts {
  status: ReferralStatus;
  /** `reachedRank` of its history. */
  reached: number;
  /** Its fraud review was rejected. */
  rejected?: boolean;
}

export interface Lifecycle {
  lead: boolean;
  qualified: boolean;
  converted: boolean;
  activeCustomer: boolean;
  churned: boolean;
  refunded: boolean;
}

export function lifecycle(r: LifecycleFacts): Lifecycle {
  const counts = !r.rejected;
  return {
    lead: counts,
    qualified: counts && r.reached >= 1,
    converted: counts && r.reached >= 2 && r.status !== "refunded",
    activeCustomer: counts && (r.status === "converted" || r.status === "renewed"),
    churned: counts && r.status === "lost" && r.reached >= 2,
    refunded: counts && r.status === "refunded",
  };
}

/**
 * The same definitions over a `referrals` row in SQL, as boolean expressions (0/1) for `SUM(...)` or
 * `WHERE`. `alias` is the table alias of `referrals` in the query.
 */
export function lifecycleSql(alias = "r") {
  const counts = `${alias}.rejected_at IS NULL`;
  return {
    lead: `(${counts})`,
    qualified: `(${counts} AND ${alias}.reached >= 1)`,
    converted: `(${counts} AND ${alias}.reached >= 2 AND ${alias}.status != 'refunded')`,
    activeCustomer: `(${counts} AND ${alias}.status IN ('converted', 'renewed'))`,
    churned: `(${counts} AND ${alias}.status = 'lost' AND ${alias}.reached >= 2)`,
    refunded: `(${counts} AND ${alias}.status = 'refunded')`,
  } satisfies Record<keyof Lifecycle, string>;
}
