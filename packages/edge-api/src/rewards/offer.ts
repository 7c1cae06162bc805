import { formatMoney } from "../lib/money";
import type { Program } from "../programs/service";
import { MONEY_KINDS, type RewardRule, type RewardTrigger, type Ruleset, type RulesetConfig } from "./schema";

/**
 * The offer a member reads ("Give $100, get $100."), written from the live rules, so the widget promises what
 * the engine pays. A program's `offer_text` overrides it; an empty override means "say what the rules say".
 * English only, like the rest of the API's text.
 */
export function describeOffer(config: RulesetConfig | null): string {
  if (!config) return "";
  const rules = config.rules.filter(canPay);
  const base = rules.filter(isEveryReferral);
  const memberBase = groupByTrigger(base.filter((r) => r.recipient === "member"));
  const friendBase = groupByTrigger(base.filter((r) => r.recipient === "friend"));
  const shared = sharedTrigger([...memberBase, ...friendBase]);
  // "Give $100, get $100." means "when they buy"; any other moment is said once at the end.
  const sharedWhen = shared && shared !== "converted" ? WHEN[shared] : "";
  const sentences: string[] = [];

  let head = "";
  if (memberBase.length > 0 && friendBase.length > 0) {
    head = `Give ${whenList(friendBase, Boolean(shared))}, get ${whenList(memberBase, Boolean(shared))}${sharedWhen}`;
  } else if (memberBase.length > 0) {
    head = `Get ${everyList(memberBase)}`;
  } else if (friendBase.length > 0) {
    sentences.push(`Give your friends ${whenList(friendBase, Boolean(shared))}${sharedWhen}.`);
  }

  const extras = (recipient: RewardRule["recipient"]) =>
    unique(
      rules
        .filter((r) => r.recipient === recipient && !isEveryReferral(r))
        .map((r) => (r.trigger === "renewed" ? renewalPhrase(r, memberBase.length === 0) : countedPhrase(r))),
    );
  const memberExtras = extras("member");
  if (head) sentences.push(`${head}${memberExtras.length > 0 ? `, plus ${and(memberExtras)}` : ""}.`);
  else if (memberExtras.length > 0) sentences.push(`Get ${and(memberExtras)}.`);
  const friendExtras = extras("friend");
  if (friendExtras.length > 0) sentences.push(`Your friends get ${and(friendExtras)}.`);

  const stacking = config.stacking_discount;
  if (stacking) {
    const cap = stacking.max_percent > stacking.percent_per_referral ? `, up to ${stacking.max_percent}%` : "";
    sentences.push(
      `Get ${stacking.percent_per_referral}% off your own plan for every customer you refer who stays${cap}.`,
    );
  }
  const raffle = rafflePhrases(config);
  if (raffle.length > 0) sentences.push(`Earn raffle entries in the monthly draw: ${and(raffle)}.`);
  return sentences.join(" ");
}

/** True when the rules can pay anything at all: a rule with a positive amount, a stacking discount or a raffle. */
export function hasRewards(config: RulesetConfig | null): boolean {
  return Boolean(config && (config.rules.some(canPay) || config.stacking_discount || rafflePhrases(config).length));
}

export interface ProgramWarning {
  code: "no_reward_rules";
  message: string;
}

export const NO_REWARD_RULES: ProgramWarning = {
  code: "no_reward_rules",
  message:
    "This program has no reward rules, so referrals earn nothing and members see no offer unless offer_text " +
    "overrides it. Add rules with PUT /v1/reward-rules (secret key), or create the program with " +
    "`pnpm vouch create-program --give 100 --get 100 --currency USD`.",
};

/** What the program's owner should fix before members are promised anything. */
export function programWarnings(ruleset: Ruleset | null): ProgramWarning[] {
  return hasRewards(ruleset?.config ?? null) ? [] : [NO_REWARD_RULES];
}

/**
 * The offer members see: the program's own text if it set one, else the rules in words. An experiment
 * variant's own rules are always told in words: the program's text describes the program's rules.
 */
export function effectiveOffer(program: Pick<Program, "offerText">, ruleset: Ruleset | null): string {
  if (ruleset?.experiment_variant_id) return describeOffer(ruleset.config);
  return program.offerText.trim() ? program.offerText : describeOffer(ruleset?.config ?? null);
}

/** The program with `offerText` replaced by the effective offer, for code that renders `{offer}`. */
export function withEffectiveOffer<P extends Pick<Program, "offerText">>(program: P, ruleset: Ruleset | null): P {
  return { ...program, offerText: effectiveOffer(program, ruleset) };
}

const TRIGGER_ORDER: readonly RewardTrigger[] = ["lead", "qualified", "converted", "renewed"];

/** "Give $10 when they sign up": the moment a two-sided or friend reward is paid. */
const WHEN: Record<RewardTrigger, string> = {
  lead: " when they sign up",
  qualified: " when they qualify",
  converted: " when they become a customer",
  renewed: " when they renew",
};

/** "for every customer you refer": what the member is paid for, singular and plural. */
const NOUN: Record<RewardTrigger, [string, string]> = {
  lead: ["sign-up", "sign-ups"],
  qualified: ["qualified lead", "qualified leads"],
  converted: ["customer", "customers"],
  renewed: ["renewal", "renewals"],
};

const WORDS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
const ORDINALS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

function ordinal(n: number): string {
  if (ORDINALS[n]) return ORDINALS[n];
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

const count = (n: number) => WORDS[n] || String(n);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const unique = (items: string[]) => [...new Set(items)];
const and = (items: string[]) => new Intl.ListFormat("en", { type: "conjunction" }).format(items);
const or = (items: string[]) => new Intl.ListFormat("en", { type: "disjunction" }).format(items);

/** The largest amount a rule can pay (a table by plan pays at most its top entry); null for a percent. */
function topAmount(rule: RewardRule): number | null {
  const a = rule.amount;
  if (a.type === "percent") return null;
  return a.type === "flat" ? a.value : Math.max(a.default ?? 0, ...Object.values(a.plans));
}

/** A rule that pays nothing (zero amounts, or money with no currency) is left out of the offer. */
export function canPay(rule: RewardRule): boolean {
  if (rule.amount.type === "percent") return rule.amount.percent > 0;
  if (MONEY_KINDS.has(rule.kind) && !rule.currency) return false;
  return (topAmount(rule) ?? 0) > 0;
}

/** Paid on every referral that reaches the trigger: not a milestone, a tier or a renewal. */
export function isEveryReferral(rule: RewardRule): boolean {
  const tier = rule.tier;
  return rule.trigger !== "renewed" && !rule.milestone && !(tier && (tier.from > 1 || tier.to !== undefined));
}

/** "$100", "a $150 gift card", "up to $100", "20% of what they pay", "1 free month", "10% off". */
function rewardPhrase(rule: RewardRule, percentOf = "what they pay"): string {
  const a = rule.amount;
  if (a.type === "percent") return `${a.percent}% of ${percentOf}${capPhrase(rule)}`;
  const top = topAmount(rule) ?? 0;
  const upTo = a.type === "by_plan" ? "up to " : "";
  let phrase: string;
  switch (rule.kind) {
    case "gift_card":
    case "coupon": {
      const noun = rule.kind === "gift_card" ? "gift card" : "coupon";
      const money = formatMoney(top, rule.currency ?? "");
      phrase = upTo ? `a ${noun} worth up to ${money}` : `a ${money} ${noun}`;
      break;
    }
    case "custom":
      phrase = a.type === "flat" && a.value > 1 ? `${a.value} × ${rule.description}` : String(rule.description);
      break;
    default:
      phrase = `${upTo}${quantity(rule, top)}`;
  }
  return `${phrase}${capPhrase(rule)}`;
}

/** An amount in the rule's own unit: money, free months or discount points. */
function quantity(rule: RewardRule, value: number): string {
  if (rule.kind === "free_months") return plural(value, "free month", "free months");
  if (rule.kind === "discount_percent") return `${value}% off`;
  if (rule.kind === "custom") return String(value);
  return formatMoney(value, rule.currency ?? "");
}

/** " (up to 5 times and $1,000 in total)": a per-member cap the member would otherwise hit unannounced. */
function capPhrase(rule: RewardRule): string {
  const cap = rule.member_cap;
  if (!cap) return "";
  const parts: string[] = [];
  if (cap.count !== undefined) parts.push(cap.count === 1 ? "once" : `${cap.count} times`);
  const percentWithoutCurrency = rule.amount.type === "percent" && !rule.currency;
  if (cap.amount !== undefined && rule.kind !== "custom" && !percentWithoutCurrency) {
    parts.push(`${quantity(rule, cap.amount)} in total`);
  }
  if (parts.length === 0) return "";
  return parts[0] === "once" && parts.length === 1 ? " (once)" : ` (up to ${and(parts)})`;
}

/** Conditions on the deal or the customer: " once they spend $25", " for as long as they stay". */
function conditionPhrase(rule: RewardRule, style: "when" | "who"): string {
  const parts: string[] = [];
  const currency = rule.currency ?? "";
  if (rule.min_spend_cents !== undefined && currency) {
    const money = formatMoney(rule.min_spend_cents, currency);
    parts.push(style === "when" ? `once they spend ${money}` : `who spends at least ${money}`);
  }
  if (rule.min_value_cents && currency) {
    const money = formatMoney(rule.min_value_cents, currency);
    parts.push(style === "when" ? `on a deal of at least ${money}` : `with a deal of at least ${money}`);
  }
  if (rule.while_active) parts.push("for as long as they stay");
  return parts.map((p) => ` ${p}`).join("");
}

interface TriggerGroup {
  trigger: RewardTrigger;
  rules: RewardRule[];
}

/** Rules paid at the same moment under the same conditions read as one phrase: "$100 and 1 free month". */
function groupByTrigger(rules: RewardRule[]): TriggerGroup[] {
  const groups = new Map<string, TriggerGroup>();
  for (const rule of rules) {
    const key = `${rule.trigger}|${conditionPhrase(rule, "when")}`;
    const group = groups.get(key) ?? { trigger: rule.trigger, rules: [] };
    group.rules.push(rule);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => TRIGGER_ORDER.indexOf(a.trigger) - TRIGGER_ORDER.indexOf(b.trigger));
}

function sharedTrigger(groups: TriggerGroup[]): RewardTrigger | null {
  const triggers = new Set(groups.map((g) => g.trigger));
  return triggers.size === 1 ? (groups[0]?.trigger ?? null) : null;
}

/**
 * "$100 and 1 free month", or "$100 or €90" when each rule pays only on deals in its own currency (a percent,
 * or a minimum deal value, is counted in the rule's currency).
 */
function amounts(group: TriggerGroup): string {
  const always: string[] = [];
  const perCurrency: string[] = [];
  for (const rule of group.rules) {
    const currencyBound =
      rule.currency !== undefined && (rule.amount.type === "percent" || rule.min_value_cents !== undefined);
    (currencyBound ? perCurrency : always).push(rewardPhrase(rule));
  }
  const parts = unique(always);
  if (perCurrency.length > 0) parts.push(or(unique(perCurrency)));
  return and(parts);
}

/** "$100 when they qualify and $25 once they spend $25" (a spend threshold already says when). */
function whenList(groups: TriggerGroup[], sameMoment: boolean): string {
  return and(
    groups.map((g) => {
      const first = g.rules[0] as RewardRule;
      const when = sameMoment || first.min_spend_cents !== undefined ? "" : WHEN[g.trigger];
      return `${amounts(g)}${when}${conditionPhrase(first, "when")}`;
    }),
  );
}

/** "$20 for every qualified lead and $100 for every customer you refer". */
function everyList(groups: TriggerGroup[]): string {
  return and(
    groups.map((g, i) => {
      const you = i === groups.length - 1 ? " you refer" : "";
      return `${amounts(g)} for every ${NOUN[g.trigger][0]}${you}${conditionPhrase(g.rules[0] as RewardRule, "who")}`;
    }),
  );
}

/** Milestones and tiers: "$250 on your third customer", "$100 for every customer from your third on". */
function countedPhrase(rule: RewardRule): string {
  const [one, many] = NOUN[rule.trigger];
  const reward = rewardPhrase(rule);
  const conditions = conditionPhrase(rule, "when");
  if (rule.milestone) {
    const { at, repeat } = rule.milestone;
    if (!repeat) return `${reward} on your ${ordinal(at)} ${one}${conditions}`;
    return at === 1
      ? `${reward} for every ${one}${conditions}`
      : `${reward} on every ${ordinal(at)} ${one}${conditions}`;
  }
  const from = rule.tier?.from ?? 1;
  const to = rule.tier?.to;
  let which: string;
  if (from <= 1) which = to === 1 ? `for your first ${one}` : `for each of your first ${count(to ?? 1)} ${many}`;
  else if (to === undefined) which = `for every ${one} from your ${ordinal(from)} on`;
  else if (to === from) which = `for your ${ordinal(from)} ${one}`;
  else which = `for your ${ordinal(from)} to ${ordinal(to)} ${many}`;
  return `${reward} ${which}${conditions}`;
}

/** "20% of every renewal payment (up to 12 per customer)", "$5 for every renewal in their first 6 months". */
function renewalPhrase(rule: RewardRule, sayWhose: boolean): string {
  const reward =
    rule.amount.type === "percent"
      ? rewardPhrase(rule, "every renewal payment")
      : `${rewardPhrase(rule)} for every renewal`;
  const whose = sayWhose ? " from customers you refer" : "";
  const months = rule.max_months !== undefined ? ` in their first ${plural(rule.max_months, "month", "months")}` : "";
  const times = rule.max_occurrences !== undefined ? ` (up to ${rule.max_occurrences} per customer)` : "";
  return `${reward}${whose}${months}${times}${conditionPhrase(rule, "when")}`;
}

function rafflePhrases(config: RulesetConfig): string[] {
  const entries = config.raffle?.entries;
  if (!entries) return [];
  return TRIGGER_ORDER.flatMap((trigger) => {
    const n = entries[trigger] ?? 0;
    return n > 0 ? [`${n} per ${NOUN[trigger][0]}`] : [];
  });
}
