export const REFERRAL_STATUSES = ["lead", "qualified", "converted", "renewed", "lost", "refunded"] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * The allowed moves. `renewed → renewed` is each later renewal; `lost` from a paying customer is churn;
 * `lost` and `refunded` are final.
 */
export const TRANSITIONS: Record<ReferralStatus, readonly ReferralStatus[]> = {
  lead: ["qualified", "converted", "lost"],
  qualified: ["converted", "lost"],
  converted: ["renewed", "refunded", "lost"],
  renewed: ["renewed", "refunded", "lost"],
  lost: [],
  refunded: [],
};

export function canTransition(from: ReferralStatus, to: ReferralStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses a referral passes through, in order, to reach `to` from `from` (e.g. lead → converted is one step). */
export const RANK: Record<ReferralStatus, number> = {
  lead: 0,
  qualified: 1,
  converted: 2,
  renewed: 3,
  lost: 9,
  refunded: 9,
};
