import { minorDigits } from "../lib/money";
import type { PageLanguage } from "../programs/schema";
import { canPay, isEveryReferral } from "../rewards/offer";
import { MONEY_KINDS, type RewardRule, type RewardTrigger, type RulesetConfig } from "../rewards/schema";

/**
 * "How it works" on the hosted program page: the program's reward rules in plain words, in English or German,
 * step by step along the referral's way (sign-up, qualified, customer, renewals), saying who gets what, when,
 * after which hold, and within which limits. Pure: the engine's rules in (`src/rewards/schema.ts`), text out.
 * The page escapes everything it prints, so nothing here needs to.
 */

export interface Step {
  title: string;
  /** Sentences, each a bullet; the first may introduce the step. */
  items: string[];
}

export interface StepContext {
  /** The program's name, as the vendor wrote it. */
  program: string;
  /** The attribution window: how long after opening a link a sign-up still counts. */
  windowDays: number;
  /** The vendor's own offer (`offer_text`), said when the rules pay nothing the page can describe. */
  offerOverride: string;
}

const TRIGGERS: readonly RewardTrigger[] = ["lead", "qualified", "converted", "renewed"];

/** Money in the page's language: "$100" / "100 $", whole amounts without ".00". */
export function formatMoneyIn(lang: PageLanguage, minor: number, currency: string): string {
  const major = minor / 10 ** minorDigits(currency);
  const whole = Number.isInteger(major) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
  return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency, ...whole }).format(major);
}

const LOCALES: Record<PageLanguage, string> = { en: "en-US", de: "de-DE" };

function num(lang: PageLanguage, n: number): string {
  return new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 2 }).format(n);
}

function list(lang: PageLanguage, items: string[]): string {
  return new Intl.ListFormat(LOCALES[lang], { type: "conjunction" }).format(items);
}

/** The words each language needs; grammar that differs lives in functions, not in string templates. */
interface Words {
  /** "You get" / "Your friend gets". */
  who: Record<RewardRule["recipient"], string>;
  title: Record<RewardTrigger, string>;
  /** A money reward of a kind: "$100 in account credit", "a gift card worth up to $100". */
  money: (kind: RewardRule["kind"], money: string, upTo: boolean) => string;
  freeMonths: (n: number, upTo: boolean) => string;
  discount: (percent: string, upTo: boolean) => string;
  percentOf: (percent: string, renewal: boolean) => string;
  /** " (on payments in USD)": a percent counted only on deals in the rule's currency. */
  inCurrency: (currency: string) => string;
  /** Milestones and tiers: " for your third customer", " if they are among your first 5 customers". */
  counted: (rule: RewardRule, recipient: RewardRule["recipient"]) => string;
  forEveryRenewal: string;
  renewalMonths: (n: number) => string;
  renewalTimes: (n: number) => string;
  minSpend: (money: string) => string;
  minValue: (money: string) => string;
  byPlan: (entries: string[], otherwise: string | null) => string;
  hold: (days: number) => string;
  afterQualification: (program: string) => string;
  cap: (recipient: RewardRule["recipient"], count: number | undefined, amount: string | undefined) => string;
  whileActive: string;
  raffle: (entries: number) => string;
  stacking: (percent: string, max: string | null) => string;
  share: (program: string) => Step;
  signUp: (program: string, windowDays: number) => string;
  qualifiedIntro: (program: string) => string;
  rewardsTitle: string;
  noRewards: (program: string) => string;
  payoutTitle: string;
  payout: (approval: "auto" | "manual", anyHold: boolean, program: string) => string;
  follow: (program: string) => string;
}

const EN_ORDINALS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
const EN_COUNTS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

function enOrdinal(n: number, words = true): string {
  if (words && EN_ORDINALS[n]) return EN_ORDINALS[n];
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th")}`;
}

const enCount = (n: number) => EN_COUNTS[n] || String(n);
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** "3rd, 6th, 9th …": which referrals a repeating milestone pays on. */
function everyNth(at: number, ordinalOf: (n: number) => string): string {
  return `${[at, at * 2, at * 3].map(ordinalOf).join(", ")} …`;
}

const EN_NOUN: Record<RewardTrigger, [string, string]> = {
  lead: ["sign-up", "sign-ups"],
  qualified: ["qualified referral", "qualified referrals"],
  converted: ["customer", "customers"],
  renewed: ["renewal", "renewals"],
};

const en: Words = {
  who: { member: "You get", friend: "Your friend gets" },
  title: {
    lead: "Your friend signs up",
    qualified: "Your friend qualifies",
    converted: "Your friend becomes a customer",
    renewed: "Your friend renews",
  },
  money: (kind, money, upTo) => {
    const up = upTo ? "up to " : "";
    switch (kind) {
      case "gift_card":
        return upTo ? `a gift card worth up to ${money}` : `a ${money} gift card`;
      case "coupon":
        return upTo ? `a coupon worth up to ${money}` : `a ${money} coupon`;
      case "cash":
        return `${up}${money} in cash`;
      default:
        return `${up}${money} in account credit`;
    }
  },
  freeMonths: (n, upTo) => `${upTo ? "up to " : ""}${n} ${plural(n, "free month", "free months")}`,
  discount: (percent, upTo) => `${upTo ? "up to " : ""}${percent}% off`,
  percentOf: (percent, renewal) => `${percent}% of ${renewal ? "each renewal payment" : "what they pay"}`,
  inCurrency: (currency) => ` (on payments in ${currency})`,
  counted: (rule, recipient) => {
    const [one, many] = EN_NOUN[rule.trigger];
    const member = recipient === "member";
    if (rule.milestone) {
      const { at, repeat } = rule.milestone;
      if (repeat && at === 1) return "";
      if (!member)
        return ` if they are your ${repeat ? everyNth(at, (n) => enOrdinal(n, false)) : enOrdinal(at)} ${one}`;
      return repeat ? ` for every ${enOrdinal(at)} ${one}` : ` for your ${enOrdinal(at)} ${one}`;
    }
    const from = rule.tier?.from ?? 1;
    const to = rule.tier?.to;
    if (from <= 1 && to === undefined) return "";
    if (from <= 1) {
      if (to === 1) return member ? ` for your first ${one}` : ` if they are your first ${one}`;
      return member
        ? ` for each of your first ${enCount(to ?? 1)} ${many}`
        : ` if they are among your first ${enCount(to ?? 1)} ${many}`;
    }
    if (to === undefined) {
      return member
        ? ` for every ${one} from your ${enOrdinal(from)} on`
        : ` if they are your ${enOrdinal(from)} ${one} or later`;
    }
    if (to === from)
      return member ? ` for your ${enOrdinal(from)} ${one}` : ` if they are your ${enOrdinal(from)} ${one}`;
    return member
      ? ` for your ${enOrdinal(from)} to ${enOrdinal(to)} ${many}`
      : ` if they are your ${enOrdinal(from)} to ${enOrdinal(to)} ${one}`;
  },
  forEveryRenewal: " for every renewal",
  renewalMonths: (n) => ` in their first ${n} ${plural(n, "month", "months")}`,
  renewalTimes: (n) => `, up to ${n} ${plural(n, "time", "times")} per customer`,
  minSpend: (money) => ` once they have spent ${money} in total`,
  minValue: (money) => ` on a deal worth at least ${money}`,
  byPlan: (entries, otherwise) =>
    `The amount depends on their plan: ${entries.join(", ")}${otherwise ? `; ${otherwise} on any other plan` : ""}.`,
  hold: (days) => `It is held for ${days} ${plural(days, "day", "days")} before it is approved.`,
  afterQualification: (program) => `It is approved only once ${program} has confirmed the sign-up.`,
  cap: (recipient, count, amount) => {
    const total = amount ? `${count !== undefined ? ", " : ""}up to ${amount} in total` : "";
    if (recipient === "friend") {
      if (count === undefined) return `Up to ${amount} in total across your referrals.`;
      return `Offered for up to ${count} of your referrals${total}.`;
    }
    if (count === undefined) return `You can earn up to ${amount} in total from it.`;
    return `You can earn it ${count === 1 ? "once" : `up to ${count} times`}${total}.`;
  },
  whileActive: "It lasts only while they remain a customer.",
  raffle: (n) => `You get ${n} ${plural(n, "entry", "entries")} in the monthly raffle.`,
  stacking: (percent, max) =>
    `You get ${percent}% off your own plan for every customer you refer who stays${max ? `, up to ${max}% in total` : ""}.`,
  share: (program) => ({
    title: "Share your link",
    items: [
      `Share your personal referral link or code with people who would benefit from ${program}. You find both in your ${program} account.`,
    ],
  }),
  signUp: (program, days) =>
    `They sign up for ${program} through your link (within ${days} ${plural(days, "day", "days")} of opening it) or with your code.`,
  qualifiedIntro: (program) => `${program} confirms that the sign-up is a genuine prospect.`,
  rewardsTitle: "Your reward",
  noRewards: (program) => `${program} has not announced rewards for this program yet.`,
  payoutTitle: "Get your rewards",
  payout: (approval, anyHold, program) => {
    if (approval === "manual") return `${program} reviews each reward before approving and paying it out.`;
    return anyHold
      ? `Each reward is approved automatically when its hold ends, and ${program} then pays it out.`
      : `Rewards are approved automatically, and ${program} then pays them out.`;
  },
  follow: (program) => `You can follow your referrals and rewards in your ${program} account.`,
};

/** German nouns are all feminine here ("Empfehlung"), so one set of articles fits every trigger. */
const DE_NOUN: Record<RewardTrigger, [string, string]> = {
  lead: ["Anmeldung", "Anmeldungen"],
  qualified: ["qualifizierte Empfehlung", "qualifizierten Empfehlungen"],
  converted: ["erfolgreiche Empfehlung", "erfolgreichen Empfehlungen"],
  renewed: ["Verlängerung", "Verlängerungen"],
};
const NBSP = "\u00a0";

const de: Words = {
  who: { member: "Sie erhalten", friend: "Die empfohlene Person erhält" },
  title: {
    lead: "Die empfohlene Person meldet sich an",
    qualified: "Die Empfehlung wird qualifiziert",
    converted: "Die empfohlene Person wird Kunde",
    renewed: "Die empfohlene Person verlängert",
  },
  money: (kind, money, upTo) => {
    const up = upTo ? "bis zu " : "";
    switch (kind) {
      case "gift_card":
        return `einen Geschenkgutschein über ${up}${money}`;
      case "coupon":
        return `einen Gutschein über ${up}${money}`;
      case "cash":
        return `${up}${money} in bar`;
      default:
        return `${up}${money} Guthaben`;
    }
  },
  freeMonths: (n, upTo) => `${upTo ? "bis zu " : ""}${n} ${plural(n, "Gratismonat", "Gratismonate")}`,
  discount: (percent, upTo) => `${upTo ? "bis zu " : ""}${percent}${NBSP}% Rabatt`,
  percentOf: (percent, renewal) =>
    `${percent}${NBSP}% ${renewal ? "jeder Verlängerungszahlung" : "des gezahlten Betrags"}`,
  inCurrency: (currency) => ` (bei Zahlungen in ${currency})`,
  counted: (rule, recipient) => {
    const [one, many] = DE_NOUN[rule.trigger];
    const member = recipient === "member";
    if (rule.milestone) {
      const { at, repeat } = rule.milestone;
      if (repeat && at === 1) return "";
      if (!member) return `, wenn sie Ihre ${repeat ? everyNth(at, (n) => `${n}.`) : `${at}.`} ${one} ist`;
      return repeat ? ` für jede ${at}. ${one}` : ` für Ihre ${at}. ${one}`;
    }
    const from = rule.tier?.from ?? 1;
    const to = rule.tier?.to;
    if (from <= 1 && to === undefined) return "";
    if (from <= 1) {
      if (to === 1) return member ? ` für Ihre erste ${one}` : `, wenn sie Ihre erste ${one} ist`;
      return member ? ` für Ihre ersten ${to} ${many}` : `, wenn sie zu Ihren ersten ${to} ${many} gehört`;
    }
    if (to === undefined)
      return member ? ` für jede ${one} ab der ${from}.` : `, wenn sie Ihre ${from}. oder eine spätere ${one} ist`;
    if (to === from) return member ? ` für Ihre ${from}. ${one}` : `, wenn sie Ihre ${from}. ${one} ist`;
    return member ? ` für Ihre ${from}. bis ${to}. ${one}` : `, wenn sie Ihre ${from}. bis ${to}. ${one} ist`;
  },
  forEveryRenewal: " für jede Verlängerung",
  renewalMonths: (n) => (n === 1 ? " im ersten Monat" : ` in den ersten ${n} Monaten`),
  renewalTimes: (n) => `, höchstens ${n}-mal pro Empfehlung`,
  minSpend: (money) => `, sobald sie insgesamt ${money} bezahlt hat`,
  minValue: (money) => ` bei einem Auftragswert von mindestens ${money}`,
  byPlan: (entries, otherwise) =>
    `Der Betrag hängt vom Tarif ab: ${entries.join(", ")}${otherwise ? `; ${otherwise} bei anderen Tarifen` : ""}.`,
  hold: (days) => `Die Prämie wird ${days} ${plural(days, "Tag", "Tage")} zurückgehalten und dann freigegeben.`,
  afterQualification: (program) => `Die Prämie wird erst freigegeben, wenn ${program} die Anmeldung bestätigt hat.`,
  cap: (recipient, count, amount) => {
    const total = amount ? `${count !== undefined ? ", " : ""}insgesamt höchstens ${amount}` : "";
    if (recipient === "friend") {
      if (count === undefined) return `Insgesamt höchstens ${amount} über alle Ihre Empfehlungen.`;
      return `Gilt für bis zu ${count} Ihrer Empfehlungen${total}.`;
    }
    if (count === undefined) return `Insgesamt erhalten Sie daraus höchstens ${amount}.`;
    return `Sie können diese Prämie ${count === 1 ? "einmal" : `bis zu ${count}-mal`} erhalten${total}.`;
  },
  whileActive: "Die Prämie gilt nur, solange die empfohlene Person Kunde bleibt.",
  raffle: (n) => `Sie erhalten ${n} ${plural(n, "Los", "Lose")} für die monatliche Verlosung.`,
  stacking: (percent, max) =>
    `Sie erhalten ${percent}${NBSP}% Rabatt auf Ihren eigenen Tarif für jede erfolgreiche Empfehlung, die Kunde bleibt${max ? `, insgesamt bis zu ${max}${NBSP}%` : ""}.`,
  share: (program) => ({
    title: "Link teilen",
    items: [
      `Teilen Sie Ihren persönlichen Empfehlungslink oder -code mit Menschen, denen ${program} helfen würde. Sie finden beides in Ihrem ${program}-Konto.`,
    ],
  }),
  signUp: (program, days) =>
    `Die Person meldet sich über Ihren Link (innerhalb von ${days} ${plural(days, "Tag", "Tagen")} nach dem Öffnen) oder mit Ihrem Code bei ${program} an.`,
  qualifiedIntro: (program) => `${program} bestätigt, dass es sich um einen echten Interessenten handelt.`,
  rewardsTitle: "Ihre Prämie",
  noRewards: (program) => `${program} hat für dieses Programm noch keine Prämien bekanntgegeben.`,
  payoutTitle: "Prämien erhalten",
  payout: (approval, anyHold, program) => {
    if (approval === "manual") return `${program} prüft jede Prämie, bevor sie freigegeben und ausgezahlt wird.`;
    return anyHold
      ? `Jede Prämie wird nach Ablauf ihrer Haltefrist automatisch freigegeben und dann von ${program} ausgezahlt.`
      : `Prämien werden automatisch freigegeben und dann von ${program} ausgezahlt.`;
  },
  follow: (program) => `Ihre Empfehlungen und Prämien sehen Sie in Ihrem ${program}-Konto.`,
};

export const WORDS: Record<PageLanguage, Words> = { en, de };

/** The largest amount of a rule that is not a percent: a table by plan pays at most its top entry. */
function topAmount(rule: RewardRule): number {
  const a = rule.amount;
  if (a.type === "percent") return 0;
  return a.type === "flat" ? a.value : Math.max(a.default ?? 0, ...Object.values(a.plans));
}

/** An amount in the rule's own unit: money, free months, discount points or a count. */
function quantity(lang: PageLanguage, rule: RewardRule, value: number, upTo = false): string {
  const w = WORDS[lang];
  if (rule.kind === "free_months") return w.freeMonths(value, upTo);
  if (rule.kind === "discount_percent") return w.discount(num(lang, value), upTo);
  if (rule.kind === "custom") return String(value);
  return w.money(rule.kind, formatMoneyIn(lang, value, rule.currency ?? ""), upTo);
}

/** An amount alone, for a list by plan: "$50", "2 free months", "15%". */
function bare(lang: PageLanguage, rule: RewardRule, value: number): string {
  if (MONEY_KINDS.has(rule.kind)) return formatMoneyIn(lang, value, rule.currency ?? "");
  if (rule.kind === "discount_percent") return `${num(lang, value)}${lang === "de" ? NBSP : ""}%`;
  return quantity(lang, rule, value);
}

/** What the rule pays, without when: "$100 in account credit", "20% of what they pay (on payments in EUR)". */
export function rewardPhrase(lang: PageLanguage, rule: RewardRule): string {
  const w = WORDS[lang];
  const a = rule.amount;
  if (a.type === "percent") {
    const phrase = w.percentOf(num(lang, a.percent), rule.trigger === "renewed");
    return rule.currency ? `${phrase}${w.inCurrency(rule.currency)}` : phrase;
  }
  if (rule.kind === "custom") {
    const description = String(rule.description);
    return a.type === "flat" && a.value > 1 ? `${a.value} × ${description}` : description;
  }
  return quantity(lang, rule, topAmount(rule), a.type === "by_plan");
}

/** One rule as a bullet: who gets what, for which referral, on which condition, then hold, limits and caveats. */
export function ruleSentence(lang: PageLanguage, rule: RewardRule, program: string): string {
  const w = WORDS[lang];
  const currency = rule.currency ?? "";
  let main = `${w.who[rule.recipient]} ${rewardPhrase(lang, rule)}`;
  if (rule.trigger === "renewed") {
    if (rule.amount.type !== "percent") main += w.forEveryRenewal;
    if (rule.max_months !== undefined) main += w.renewalMonths(rule.max_months);
    if (rule.max_occurrences !== undefined) main += w.renewalTimes(rule.max_occurrences);
  }
  if (rule.min_value_cents && currency) main += w.minValue(formatMoneyIn(lang, rule.min_value_cents, currency));
  main += w.counted(rule, rule.recipient);
  if (rule.min_spend_cents !== undefined && currency) {
    main += w.minSpend(formatMoneyIn(lang, rule.min_spend_cents, currency));
  }
  // A German ordinal ends in a dot already ("ab der 5.").
  const sentences = [main.endsWith(".") ? main : `${main}.`];
  const a = rule.amount;
  if (a.type === "by_plan") {
    const entries = Object.entries(a.plans).map(([plan, value]) =>
      lang === "de" ? `${bare(lang, rule, value)} bei ${plan}` : `${bare(lang, rule, value)} on ${plan}`,
    );
    sentences.push(w.byPlan(entries, a.default ? bare(lang, rule, a.default) : null));
  }
  if (rule.trigger === "lead") sentences.push(w.afterQualification(program));
  if (rule.hold_days > 0) sentences.push(w.hold(rule.hold_days));
  const cap = rule.member_cap;
  if (cap && (cap.count !== undefined || cap.amount !== undefined)) {
    // A total in the rule's unit; not for a custom reward, nor a percent with no currency to count it in.
    const amountCounts =
      cap.amount !== undefined && rule.kind !== "custom" && !(rule.amount.type === "percent" && !rule.currency);
    const amount = amountCounts ? quantity(lang, rule, cap.amount as number) : undefined;
    if (cap.count !== undefined || amount) sentences.push(w.cap(rule.recipient, cap.count, amount));
  }
  if (rule.while_active) sentences.push(w.whileActive);
  return sentences.join(" ");
}

/**
 * The steps of "How it works": share; the friend signs up (always: it says how long a link counts); each
 * later stage some rule pays at; then how rewards are approved and paid.
 */
export function howItWorks(lang: PageLanguage, config: RulesetConfig | null, ctx: StepContext): Step[] {
  const w = WORDS[lang];
  const rules = (config?.rules ?? []).filter(canPay);
  const steps: Step[] = [w.share(ctx.program)];
  const raffle = config?.raffle?.entries ?? {};
  const stacking = config?.stacking_discount;
  let paysAnything = false;
  for (const trigger of TRIGGERS) {
    const items = rules.filter((r) => r.trigger === trigger).map((r) => ruleSentence(lang, r, ctx.program));
    const entries = raffle[trigger] ?? 0;
    if (entries > 0) items.push(w.raffle(entries));
    if (trigger === "converted" && stacking) {
      const max = stacking.max_percent > stacking.percent_per_referral ? num(lang, stacking.max_percent) : null;
      items.push(w.stacking(num(lang, stacking.percent_per_referral), max));
    }
    if (items.length > 0) paysAnything = true;
    if (trigger === "lead") items.unshift(w.signUp(ctx.program, ctx.windowDays));
    else if (items.length === 0) continue;
    else if (trigger === "qualified") items.unshift(w.qualifiedIntro(ctx.program));
    steps.push({ title: w.title[trigger], items });
  }
  if (!paysAnything) {
    const override = ctx.offerOverride.trim();
    steps.push({ title: w.rewardsTitle, items: [override || w.noRewards(ctx.program)] });
    return steps;
  }
  const anyHold = rules.some((r) => r.hold_days > 0);
  steps.push({
    title: w.payoutTitle,
    items: [w.payout(config?.approval ?? "auto", anyHold, ctx.program), w.follow(ctx.program)],
  });
  return steps;
}

/**
 * The offer in German when the vendor wrote none: the rewards paid on every referral, in one sentence
 * ("Sie erhalten 100 $ Guthaben für jede erfolgreiche Empfehlung, die empfohlene Person erhält 100 $ Guthaben.").
 * English pages use `describeOffer` (src/rewards/offer.ts), which the widget shows too.
 */
export function germanOffer(config: RulesetConfig | null): string {
  if (!config) return "";
  const rules = config.rules.filter(canPay);
  const base = rules.filter(isEveryReferral);
  const mine = base.filter((r) => r.recipient === "member");
  const theirs = base.filter((r) => r.recipient === "friend");
  const byTrigger = TRIGGERS.flatMap((trigger) => {
    const group = mine.filter((r) => r.trigger === trigger);
    if (group.length === 0) return [];
    const rewards = [...new Set(group.map((r) => rewardPhrase("de", r)))];
    return [`${list("de", rewards)} für jede ${DE_NOUN[trigger][0]}`];
  });
  const friend = list("de", [...new Set(theirs.map((r) => rewardPhrase("de", r)))]);
  // Milestones and tiers: "Dazu erhalten Sie 250 $ in bar für Ihre 3. erfolgreiche Empfehlung."
  const extras = rules
    .filter((r) => r.recipient === "member" && r.trigger !== "renewed" && !isEveryReferral(r))
    .map((r) => `${rewardPhrase("de", r)}${WORDS.de.counted(r, "member")}`);
  let offer = "";
  if (byTrigger.length > 0 && friend) {
    offer = `Sie erhalten ${list("de", byTrigger)}, die empfohlene Person erhält ${friend}.`;
  } else if (byTrigger.length > 0) offer = `Sie erhalten ${list("de", byTrigger)}.`;
  else if (friend) offer = `Die empfohlene Person erhält ${friend}.`;
  if (extras.length > 0) {
    // A German ordinal at the end already ends the sentence ("ab der 5.").
    const sentence = `${list("de", [...new Set(extras)])}.`.replace(/\.\.$/, ".");
    return offer ? `${offer} Dazu erhalten Sie ${sentence}` : `Sie erhalten ${sentence}`;
  }
  if (
    !offer &&
    (rules.length > 0 || config.stacking_discount || Object.values(config.raffle?.entries ?? {}).some((n) => n))
  ) {
    return "Sie erhalten Prämien für Ihre Empfehlungen.";
  }
  return offer;
}
