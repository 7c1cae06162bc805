import { formatMoney } from "../lib/money";
import type { RewardKind, RulesetInput } from "./schema";

/** The kinds a simple "give X, get Y" offer pays in: money. */
export const TWO_SIDED_KINDS = ["account_credit", "cash", "gift_card", "coupon"] as const satisfies RewardKind[];
export type TwoSidedKind = (typeof TWO_SIDED_KINDS)[number];

export interface TwoSidedOffer {
  /** What the friend gets when they become a customer, in minor units; absent for no friend reward. */
  give?: number;
  /** What the member gets for each customer they refer, in minor units; absent for no member reward. */
  get?: number;
  currency: string;
  kind?: TwoSidedKind;
  /** Days the member's reward stays pending, so a quick refund voids it. Default 14. The friend's is paid at once. */
  memberHoldDays?: number;
}

const KIND_LABEL: Record<TwoSidedKind, string> = {
  account_credit: "credit",
  cash: "cash",
  gift_card: "gift card",
  coupon: "coupon",
};

/**
 * The most common program as reward rules: the friend gets `give` and the member gets `get` when the friend
 * becomes a customer. The body `PUT /v1/reward-rules` takes; `buildProgram` parses it with the same schema.
 */
export function twoSidedRules(offer: TwoSidedOffer): RulesetInput {
  const kind = offer.kind ?? "account_credit";
  const reward = (recipient: "friend" | "member", value: number, holdDays: number) => ({
    id: `${recipient}-reward`,
    description: `${formatMoney(value, offer.currency)} ${KIND_LABEL[kind]} for ${recipient === "friend" ? "the friend" : "you"}`,
    trigger: "converted" as const,
    recipient,
    kind,
    amount: { type: "flat" as const, value },
    currency: offer.currency,
    hold_days: holdDays,
  });
  const rules = [];
  if (offer.give !== undefined) rules.push(reward("friend", offer.give, 0));
  if (offer.get !== undefined) rules.push(reward("member", offer.get, offer.memberHoldDays ?? 14));
  return { rules };
}
