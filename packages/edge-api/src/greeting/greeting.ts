import { fromAcceptLanguage } from "../program-page/content";
import { rewardPhrase } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";
import { canPay, isEveryReferral } from "../rewards/offer";
import type { RulesetConfig } from "../rewards/schema";
import type { GreetingOffer, GreetingReveal } from "./schema";

/**
 * The friend's first impression: the line a marketing page shows in its `data-vouch-greeting` element when a
 * referral link opens it ("Dana from Northwind invited you to Ledgerly — you get $100 in account credit."). Pure:
 * the referrer as the code lookup cached them, the program's settings and rules in, text out. The tracker sets
 * it with `textContent`, so nothing here is HTML.
 *
 * What it reveals about the referrer is the program's choice (`greeting.reveal`). The default is the first name
 * only: a referral link is often forwarded or posted publicly, so whoever opens it learns what the greeting says,
 * and a company name would tell strangers that the company is the vendor's customer (many vendors keep their
 * customer list private) and, with the first name, often who the person is.
 */

export interface GreetingReferrer {
  name: string | null;
  company: string | null;
}

export interface GreetingSettings {
  reveal: GreetingReveal;
  offer: GreetingOffer | null;
  program: string;
  pageLanguage: PageLanguage | null;
}

export interface Greeting {
  text: string;
  lang: PageLanguage;
  /** What the greeting names, as the program allows: null where it says nothing. */
  referrer: { first_name: string | null; company: string | null };
  /** The friend's offer on its own, or null when the friend gets nothing the greeting can name. */
  offer: string | null;
}

/** "Dana" from "Dana Scully"; null for a blank name. Capped so a long name cannot fill a page. */
export function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first ? first.slice(0, 40) : null;
}

/** The program's language if it set one, else the visitor's browser (English or German), else English. */
export function greetingLanguage(setting: PageLanguage | null, acceptLanguage: string | undefined): PageLanguage {
  return setting ?? fromAcceptLanguage(acceptLanguage ?? "") ?? "en";
}

/** The friend's rewards paid on every referral, in words: "$100 in account credit and 1 free month". */
export function friendOffer(lang: PageLanguage, config: RulesetConfig | null): string | null {
  const rules = (config?.rules ?? []).filter((r) => r.recipient === "friend" && canPay(r) && isEveryReferral(r));
  const phrases = [...new Set(rules.map((r) => rewardPhrase(lang, r)))];
  if (phrases.length === 0) return null;
  return new Intl.ListFormat(lang === "de" ? "de-DE" : "en-US", { type: "conjunction" }).format(phrases);
}

const WORDS: Record<
  PageLanguage,
  {
    invited: (who: string | null, company: string | null, program: string) => string;
    youGet: (offer: string) => string;
  }
> = {
  en: {
    invited: (who, company, program) =>
      who ? `${who}${company ? ` from ${company}` : ""} invited you to ${program}` : `You were invited to ${program}`,
    youGet: (offer) => `you get ${offer}`,
  },
  de: {
    invited: (who, company, program) =>
      who
        ? `${who}${company ? ` von ${company}` : ""} hat Sie zu ${program} eingeladen`
        : `Sie wurden zu ${program} eingeladen`,
    youGet: (offer) => `Sie erhalten ${offer}`,
  },
};

export function buildGreeting(
  referrer: GreetingReferrer,
  settings: GreetingSettings,
  rules: RulesetConfig | null,
  acceptLanguage: string | undefined,
): Greeting {
  const lang = greetingLanguage(settings.pageLanguage, acceptLanguage);
  const first = settings.reveal === "nothing" ? null : firstName(referrer.name);
  const company =
    first && settings.reveal === "name_and_company" ? referrer.company?.trim().slice(0, 80) || null : null;
  const own = settings.offer?.[lang]?.trim();
  const offer = own || friendOffer(lang, rules);
  const head = WORDS[lang].invited(first, company, settings.program);
  // The vendor's own words stand as written ("get $100 off your first invoice"); the rules read "you get …".
  const tail = own ? own : offer ? WORDS[lang].youGet(offer) : "";
  return {
    text: tail ? `${head} — ${tail}` : `${head}.`,
    lang,
    referrer: { first_name: first, company },
    offer: offer ?? null,
  };
}
