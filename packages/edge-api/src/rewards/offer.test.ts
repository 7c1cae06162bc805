import { describe, expect, it } from "vitest";
import { SEED_PROGRAMS } from "../../test/seed-programs";
import {
  describeOffer,
  effectiveOffer,
  hasRewards,
  NO_REWARD_RULES,
  programWarnings,
  withEffectiveOffer,
} from "./offer";
import { type RulesetInput, rulesetSchema } from "./schema";

type RuleInput = NonNullable<RulesetInput["rules"]>[number];

let ids = 0;
/** A member's flat $100 on conversion unless told otherwise. */
function rule(extra: Partial<RuleInput> = {}): RuleInput {
  ids += 1;
  return {
    id: `r${ids}`,
    trigger: "converted",
    recipient: "member",
    kind: "account_credit",
    amount: { type: "flat", value: 10_000 },
    currency: "USD",
    ...extra,
  };
}
const friend = (extra: Partial<RuleInput> = {}) => rule({ recipient: "friend", ...extra });

const offer = (rules: RuleInput[], extra: Omit<RulesetInput, "rules"> = {}) =>
  describeOffer(rulesetSchema.parse({ rules, ...extra }));

describe("describeOffer", () => {
  it("says nothing when there is nothing to pay", () => {
    expect(describeOffer(null)).toBe("");
    expect(offer([])).toBe("");
    expect(
      offer([rule({ amount: { type: "flat", value: 0 } }), rule({ amount: { type: "percent", percent: 0 } })]),
    ).toBe("");
  });

  it("two-sided flat money: Give $100, get $100.", () => {
    expect(offer([friend(), rule()])).toBe("Give $100, get $100.");
    expect(offer([rule({ kind: "cash" }), friend({ amount: { type: "flat", value: 5_000 } })])).toBe(
      "Give $50, get $100.",
    );
  });

  it("member only: Get $100 for every customer you refer.", () => {
    expect(offer([rule()])).toBe("Get $100 for every customer you refer.");
  });

  it("friend only", () => {
    expect(offer([friend()])).toBe("Give your friends $100.");
    expect(
      offer([friend({ kind: "discount_percent", amount: { type: "flat", value: 15 }, currency: undefined })]),
    ).toBe("Give your friends 15% off.");
  });

  it("a percent of the deal for the member", () => {
    expect(offer([rule({ kind: "cash", amount: { type: "percent", percent: 20 } })])).toBe(
      "Get 20% of what they pay for every customer you refer.",
    );
    expect(offer([rule({ kind: "cash", amount: { type: "percent", percent: 12.5 }, currency: undefined })])).toBe(
      "Get 12.5% of what they pay for every customer you refer.",
    );
  });

  it("a discount or free months for the friend", () => {
    const discount = friend({ kind: "discount_percent", amount: { type: "flat", value: 20 }, currency: undefined });
    const months = friend({ kind: "free_months", amount: { type: "flat", value: 2 }, currency: undefined });
    expect(offer([discount, rule({ amount: { type: "flat", value: 5_000 } })])).toBe("Give 20% off, get $50.");
    expect(
      offer([months, rule({ kind: "free_months", amount: { type: "flat", value: 1 }, currency: undefined })]),
    ).toBe("Give 2 free months, get 1 free month.");
    expect(offer([{ ...discount, while_active: true }])).toBe("Give your friends 20% off for as long as they stay.");
  });

  it("appends a milestone bonus to the headline", () => {
    const bonus = rule({ kind: "cash", amount: { type: "flat", value: 25_000 }, milestone: { at: 3 } });
    expect(offer([friend(), rule(), bonus])).toBe("Give $100, get $100, plus $250 on your third customer.");
    expect(offer([rule(), bonus])).toBe("Get $100 for every customer you refer, plus $250 on your third customer.");
    expect(offer([bonus])).toBe("Get $250 on your third customer.");
    expect(offer([rule(), { ...bonus, milestone: { at: 5, repeat: true } }])).toBe(
      "Get $100 for every customer you refer, plus $250 on every fifth customer.",
    );
    expect(offer([rule(), { ...bonus, milestone: { at: 12 } }, rule({ milestone: { at: 21 } })])).toBe(
      "Get $100 for every customer you refer, plus $250 on your 12th customer and $100 on your 21st customer.",
    );
  });

  it("tiers: the first N, from the Nth on, a range", () => {
    expect(
      offer([
        rule({ amount: { type: "flat", value: 5_000 }, tier: { to: 1 } }),
        rule({ amount: { type: "flat", value: 7_500 }, tier: { from: 2, to: 2 } }),
        rule({ amount: { type: "flat", value: 8_000 }, tier: { from: 3, to: 10 } }),
        rule({ amount: { type: "flat", value: 10_000 }, tier: { from: 11 } }),
      ]),
    ).toBe(
      "Get $50 for your first customer, $75 for your second customer, $80 for your third to tenth customers, " +
        "and $100 for every customer from your 11th on.",
    );
    // A tier from the first with no end is every referral.
    expect(offer([rule({ tier: { from: 1 } })])).toBe("Get $100 for every customer you refer.");
  });

  it("recurring (renewed) rules say how often and for how long", () => {
    const commission = rule({ trigger: "renewed", kind: "cash", amount: { type: "percent", percent: 20 } });
    expect(offer([commission])).toBe("Get 20% of every renewal payment from customers you refer.");
    expect(offer([{ ...commission, max_occurrences: 12 }])).toBe(
      "Get 20% of every renewal payment from customers you refer (up to 12 per customer).",
    );
    expect(offer([rule(), rule({ trigger: "renewed", amount: { type: "flat", value: 500 }, max_months: 6 })])).toBe(
      "Get $100 for every customer you refer, plus $5 for every renewal in their first 6 months.",
    );
    expect(offer([friend(), rule(), { ...commission, max_months: 24, max_occurrences: 1 }])).toBe(
      "Give $100, get $100, plus 20% of every renewal payment in their first 24 months (up to 1 per customer).",
    );
  });

  it("words lead and qualified triggers as what they are", () => {
    expect(offer([rule({ trigger: "lead", amount: { type: "flat", value: 1_000 } })])).toBe(
      "Get $10 for every sign-up you refer.",
    );
    expect(offer([rule({ trigger: "qualified" })])).toBe("Get $100 for every qualified lead you refer.");
    expect(offer([friend({ trigger: "qualified" }), rule({ trigger: "qualified" })])).toBe(
      "Give $100, get $100 when they qualify.",
    );
    expect(offer([friend({ trigger: "lead" })])).toBe("Give your friends $100 when they sign up.");
    expect(offer([friend({ trigger: "lead" }), rule()])).toBe(
      "Give $100 when they sign up, get $100 when they become a customer.",
    );
    expect(
      offer([
        rule({ trigger: "lead", amount: { type: "flat", value: 500 } }),
        rule({ trigger: "qualified", amount: { type: "flat", value: 2_000 } }),
        rule(),
      ]),
    ).toBe("Get $5 for every sign-up, $20 for every qualified lead, and $100 for every customer you refer.");
  });

  it("multiple currencies", () => {
    expect(offer([friend({ currency: "EUR", amount: { type: "flat", value: 9_000 } }), rule()])).toBe(
      "Give €90, get $100.",
    );
    // Each pays only on deals in its own currency: one or the other, never both.
    expect(
      offer([
        rule({ min_value_cents: 0 }),
        rule({ currency: "EUR", amount: { type: "flat", value: 9_000 }, min_value_cents: 0 }),
      ]),
    ).toBe("Get $100 or €90 for every customer you refer.");
    // Flat rules in two currencies both pay.
    expect(offer([rule(), rule({ currency: "GBP", amount: { type: "flat", value: 8_000 } })])).toBe(
      "Get $100 and £80 for every customer you refer.",
    );
    expect(offer([rule({ currency: "JPY", amount: { type: "flat", value: 5_000 } })])).toBe(
      "Get ¥5,000 for every customer you refer.",
    );
  });

  it("names gift cards, coupons, tables by plan, custom rewards and several rewards at once", () => {
    expect(
      offer([rule({ kind: "gift_card" }), friend({ kind: "coupon", amount: { type: "flat", value: 2_500 } })]),
    ).toBe("Give a $25 coupon, get a $100 gift card.");
    expect(offer([rule({ amount: { type: "by_plan", plans: { basic: 2_500, pro: 10_000 }, default: 1_000 } })])).toBe(
      "Get up to $100 for every customer you refer.",
    );
    expect(offer([rule({ kind: "gift_card", amount: { type: "by_plan", plans: { basic: 2_500, pro: 5_000 } } })])).toBe(
      "Get a gift card worth up to $50 for every customer you refer.",
    );
    expect(
      offer([
        rule({
          kind: "custom",
          description: "A Vouch hoodie",
          amount: { type: "flat", value: 1 },
          currency: undefined,
        }),
      ]),
    ).toBe("Get A Vouch hoodie for every customer you refer.");
    expect(
      offer([rule(), rule({ kind: "free_months", amount: { type: "flat", value: 1 }, currency: undefined })]),
    ).toBe("Get $100 and 1 free month for every customer you refer.");
  });

  it("says the conditions a member would otherwise discover too late", () => {
    expect(offer([rule({ amount: { type: "flat", value: 2_500 }, min_spend_cents: 2_500 })])).toBe(
      "Get $25 for every customer you refer who spends at least $25.",
    );
    expect(offer([friend(), rule({ min_value_cents: 50_000 })])).toBe(
      "Give $100, get $100 on a deal of at least $500.",
    );
    expect(offer([rule({ member_cap: { count: 5, amount: 40_000 } })])).toBe(
      "Get $100 (up to 5 times and $400 in total) for every customer you refer.",
    );
    expect(offer([rule({ member_cap: { count: 1 } })])).toBe("Get $100 (once) for every customer you refer.");
    expect(offer([rule({ amount: { type: "flat", value: 9_950 } })])).toBe("Get $99.50 for every customer you refer.");
  });

  it("adds the stacking discount and the raffle", () => {
    expect(
      offer([], {
        stacking_discount: { percent_per_referral: 10, max_percent: 50 },
        raffle: { entries: { lead: 1, converted: 5 } },
      }),
    ).toBe(
      "Get 10% off your own plan for every customer you refer who stays, up to 50%. " +
        "Earn raffle entries in the monthly draw: 1 per sign-up and 5 per customer.",
    );
  });

  it("gives every seed program a sentence that matches its rules", () => {
    const expected: Record<string, string> = {
      Hiver:
        "Get $20 for every qualified lead and $100 for every customer you refer, plus $250 on your third customer.",
      ActiveCampaign: "Get up to $100 for every customer you refer.",
      GetResponse: "Give $30, get $30, plus Email marketing masterclass on your third customer.",
      FreeAgent:
        "Give your friends 10% off for as long as they stay. Get 20% of what they pay for every customer from your " +
        "11th on. Get 10% off your own plan for every customer you refer who stays, up to 100%.",
      DigitalOcean: "Give $100 when they qualify, get $25 once they spend $25.",
      Airtable: "Get $10 for every sign-up you refer.",
      Bench: "Get a $150 gift card and 1 free month for every customer you refer.",
      Gusto: "Give a $100 gift card, get $300.",
      Recurring: "Get 20% of every renewal payment from customers you refer (up to 12 per customer).",
      Refund: "Get $50 for every customer you refer.",
      Time: "Get $50 for every customer you refer, plus $5 for every renewal in their first 6 months.",
      Tiers: "Get $50 for each of your first two customers and $100 for every customer from your third on.",
    };
    for (const program of SEED_PROGRAMS) {
      const key = program.name.split(/[: ]/)[0] as string;
      expect(describeOffer(rulesetSchema.parse(program.rules)), program.name).toBe(expected[key]);
    }
    expect(Object.keys(expected)).toHaveLength(SEED_PROGRAMS.length);
  });
});

describe("the effective offer and the program's warnings", () => {
  const ruleset = { version: 1, config: rulesetSchema.parse({ rules: [friend(), rule()] }) };
  const none = { version: 2, config: rulesetSchema.parse({ rules: [] }) };

  it("prefers the program's own text and otherwise says what the rules pay", () => {
    expect(effectiveOffer({ offerText: "" }, ruleset)).toBe("Give $100, get $100.");
    expect(effectiveOffer({ offerText: "   " }, ruleset)).toBe("Give $100, get $100.");
    expect(effectiveOffer({ offerText: "Two months free for you both." }, ruleset)).toBe(
      "Two months free for you both.",
    );
    expect(effectiveOffer({ offerText: "" }, null)).toBe("");
    const program = { name: "Acme", offerText: "" };
    expect(withEffectiveOffer(program, ruleset)).toEqual({ name: "Acme", offerText: "Give $100, get $100." });
    expect(program.offerText).toBe(""); // a copy, the program is left alone
  });

  it("warns when nothing can pay: no rules, an empty list, or only zero amounts", () => {
    expect(programWarnings(null)).toEqual([NO_REWARD_RULES]);
    expect(programWarnings(none)).toEqual([NO_REWARD_RULES]);
    const zero = { version: 3, config: rulesetSchema.parse({ rules: [rule({ amount: { type: "flat", value: 0 } })] }) };
    expect(programWarnings(zero)).toEqual([NO_REWARD_RULES]);
    expect(programWarnings(ruleset)).toEqual([]);
    expect(NO_REWARD_RULES.message).toContain("PUT /v1/reward-rules");
    // A stacking discount or a raffle alone is a reward too.
    expect(hasRewards(rulesetSchema.parse({ stacking_discount: { percent_per_referral: 5, max_percent: 20 } }))).toBe(
      true,
    );
    expect(hasRewards(rulesetSchema.parse({ raffle: { entries: { converted: 0 } } }))).toBe(false);
  });
});
