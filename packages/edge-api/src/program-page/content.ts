import type { FaqEntry, PageLanguage } from "../programs/schema";
import type { Program } from "../programs/service";
import { canPay } from "../rewards/offer";
import type { RulesetConfig } from "../rewards/schema";

/**
 * The hosted page's words that are not the rules: its language, its headings, and the FAQ and terms it shows
 * when the vendor has written none (PATCH /v1/program: `page_faq`, `page_terms`). Defaults are written from the
 * program's own settings (attribution window and model, same-company rule, holds, approval), so they promise
 * what the API does. Pure.
 */

/** `?lang=` first, then the program's `page_language`, then the browser's `Accept-Language`, then English. */
export function pickLanguage(
  query: string | undefined,
  setting: PageLanguage | null,
  acceptLanguage: string | undefined,
): PageLanguage {
  if (query === "en" || query === "de") return query;
  if (setting) return setting;
  return fromAcceptLanguage(acceptLanguage ?? "") ?? "en";
}

/** The first of English or German by the header's weights (`de-AT,de;q=0.9,en;q=0.8` → de); null for neither. */
export function fromAcceptLanguage(header: string): PageLanguage | null {
  const ranges = header
    .split(",")
    .slice(0, 20)
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find(Boolean);
      return { primary: tag.trim().toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0 && (r.primary === "en" || r.primary === "de"))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (ranges[0]?.primary as PageLanguage | undefined) ?? null;
}

export interface Chrome {
  title: (program: string) => string;
  /** Link previews' description when the rules pay nothing to describe. */
  fallbackDescription: (program: string) => string;
  howItWorks: string;
  faq: string;
  terms: string;
  visit: (program: string) => string;
  testMode: string;
  otherLanguage: { lang: PageLanguage; label: string };
  notFoundTitle: string;
  notFoundText: string;
  logoAlt: (program: string) => string;
}

export const CHROME: Record<PageLanguage, Chrome> = {
  en: {
    title: (program) => `${program} referral program`,
    fallbackDescription: (program) => `Recommend ${program} and see how referrals are rewarded.`,
    howItWorks: "How it works",
    faq: "Frequently asked questions",
    terms: "Terms",
    visit: (program) => `Visit ${program}`,
    testMode: "Test mode: this program is being set up, and referrals made now are not real.",
    otherLanguage: { lang: "de", label: "Deutsch" },
    notFoundTitle: "Page not found",
    notFoundText: "There is no referral program at this address. Check the link you were given.",
    logoAlt: (program) => `${program} logo`,
  },
  de: {
    title: (program) => `Empfehlungsprogramm von ${program}`,
    fallbackDescription: (program) => `Empfehlen Sie ${program} weiter und sehen Sie, wie Empfehlungen belohnt werden.`,
    howItWorks: "So funktioniert es",
    faq: "Häufige Fragen",
    terms: "Teilnahmebedingungen",
    visit: (program) => `Zu ${program}`,
    testMode: "Testmodus: Dieses Programm wird gerade eingerichtet; Empfehlungen zählen noch nicht.",
    otherLanguage: { lang: "en", label: "English" },
    notFoundTitle: "Seite nicht gefunden",
    notFoundText: "Unter dieser Adresse gibt es kein Empfehlungsprogramm. Prüfen Sie den Link, den Sie erhalten haben.",
    logoAlt: (program) => `Logo von ${program}`,
  },
};

type Settings = Pick<Program, "name" | "attributionWindowDays" | "attributionModel" | "blockSameDomain">;

/** What the defaults need to know about the rules. */
function facts(config: RulesetConfig | null) {
  const rules = (config?.rules ?? []).filter(canPay);
  return {
    pays: rules.length > 0 || Boolean(config?.stacking_discount),
    maxHold: Math.max(0, ...rules.map((r) => r.hold_days)),
    manual: config?.approval === "manual",
    limited: rules.some((r) => r.member_cap || r.max_occurrences !== undefined || r.max_months !== undefined),
    whileActive: rules.some((r) => r.while_active),
  };
}

const days = (lang: PageLanguage, n: number) =>
  lang === "de" ? `${n} ${n === 1 ? "Tag" : "Tage"}` : `${n} ${n === 1 ? "day" : "days"}`;

/** The questions every referral program is asked, answered from this program's settings and rules. */
export function defaultFaq(lang: PageLanguage, program: Settings, config: RulesetConfig | null): FaqEntry[] {
  const f = facts(config);
  const name = program.name;
  const window = days(lang, program.attributionWindowDays);
  if (lang === "de") {
    const paid = f.pays
      ? [
          "Sie verdienen eine Prämie, sobald die empfohlene Person den Schritt erreicht, der oben unter „So funktioniert es“ steht.",
          f.maxHold > 0
            ? `Prämien werden danach bis zu ${days(lang, f.maxHold)} zurückgehalten, damit eine schnelle Erstattung sie noch stornieren kann.`
            : "",
          f.manual
            ? `${name} prüft jede Prämie und zahlt sie dann aus.`
            : `Danach wird sie automatisch freigegeben und von ${name} ausgezahlt.`,
          `In Ihrem ${name}-Konto sehen Sie, ob eine Prämie zurückgehalten, freigegeben oder ausgezahlt ist.`,
        ]
      : [`${name} gibt bekannt, wie und wann Prämien ausgezahlt werden.`];
    return [
      { q: "Wann erhalte ich meine Prämie?", a: paid.filter(Boolean).join(" ") },
      {
        q: "Wer zählt als Empfehlung?",
        a: [
          `Eine Person, die ${name} noch nicht nutzt und sich über Ihren Link oder mit Ihrem Code anmeldet. Ein Link zählt ${window} lang, nachdem er geöffnet wurde.`,
          program.blockSameDomain ? "Personen aus Ihrem eigenen Unternehmen zählen nicht." : "",
        ]
          .filter(Boolean)
          .join(" "),
      },
      {
        q: "Kann ich mich selbst empfehlen?",
        a: "Nein. Selbstempfehlungen, auch über ein weiteres eigenes Konto, zählen nicht, und so verdiente Prämien werden storniert.",
      },
      {
        q: "Die Person hat auch den Link von jemand anderem geöffnet. Wer bekommt die Empfehlung?",
        a:
          program.attributionModel === "first"
            ? `Wessen Link sie zuerst geöffnet hat, solange dieser Link noch gilt (${window}).`
            : "Wessen Link sie zuletzt geöffnet hat.",
      },
      {
        q: "Was passiert, wenn die Person kündigt oder eine Erstattung erhält?",
        a: [
          "Bei einer Erstattung werden die Prämien für diese Empfehlung storniert; eine bereits ausgezahlte Prämie wird mit Ihrer nächsten Auszahlung verrechnet.",
          `Bei einer Kündigung werden noch zurückgehaltene Prämien storniert; freigegebene Prämien behalten Sie${f.whileActive ? ", außer solchen, die nur gelten, solange die Person Kunde bleibt" : ""}.`,
        ].join(" "),
      },
      {
        q: "Wie viele Personen kann ich empfehlen?",
        a: f.limited
          ? "So viele Sie möchten. Für einige Prämien gelten Grenzen; sie stehen oben unter „So funktioniert es“."
          : "So viele Sie möchten.",
      },
    ];
  }
  const paid = f.pays
    ? [
        "You earn a reward when your friend reaches the step shown under “How it works” above.",
        f.maxHold > 0
          ? `Rewards are then held for up to ${days(lang, f.maxHold)}, so that a quick refund can still cancel them.`
          : "",
        f.manual
          ? `${name} reviews each reward, then pays it out.`
          : `It is then approved automatically and paid out by ${name}.`,
        `Your ${name} account shows whether each reward is on hold, approved or paid out.`,
      ]
    : [`${name} will announce how and when rewards are paid.`];
  return [
    { q: "When do I get my reward?", a: paid.filter(Boolean).join(" ") },
    {
      q: "Who counts as a friend?",
      a: [
        `Someone new to ${name} who signs up through your link or with your code. A link counts for ${window} after it is opened.`,
        program.blockSameDomain ? "People at your own company do not count." : "",
      ]
        .filter(Boolean)
        .join(" "),
    },
    {
      q: "Can I refer myself?",
      a: "No. Referring yourself, or another account of your own, does not count, and rewards earned that way are cancelled.",
    },
    {
      q: "My friend also opened someone else's link. Who gets the credit?",
      a:
        program.attributionModel === "first"
          ? `Whoever's link they opened first, as long as that link still counts (${window}).`
          : "Whoever's link they opened last.",
    },
    {
      q: "What if my friend cancels or gets a refund?",
      a: [
        "A refund cancels the rewards for that referral; a reward already paid is deducted from your next payout.",
        `If they cancel, rewards still on hold are cancelled; approved rewards stay yours${f.whileActive ? ", except those that last only while they remain a customer" : ""}.`,
      ].join(" "),
    },
    {
      q: "How many people can I refer?",
      a: f.limited
        ? "As many as you like. Some rewards have limits, listed under “How it works” above."
        : "As many as you like.",
    },
  ];
}

/** Plain terms written from the program's settings; paragraphs are separated by a blank line. */
export function defaultTerms(lang: PageLanguage, program: Settings, config: RulesetConfig | null): string {
  const f = facts(config);
  const name = program.name;
  const window = days(lang, program.attributionWindowDays);
  if (lang === "de") {
    return [
      `1. Mit dem Empfehlungsprogramm von ${name} können Kundinnen und Kunden ${name} weiterempfehlen. Welche Prämien es gibt und wann sie ausgezahlt werden, steht oben unter „So funktioniert es“; es gelten die Regeln, die zu dem Zeitpunkt veröffentlicht sind, an dem eine Prämie verdient wird.`,
      `2. Eine Empfehlung zählt, wenn sich eine Person, die ${name} noch nicht nutzt, innerhalb von ${program.attributionWindowDays} ${program.attributionWindowDays === 1 ? "Tag" : "Tagen"} nach dem Öffnen Ihres persönlichen Links oder mit Ihrem Code anmeldet und die oben genannten Bedingungen erfüllt.`,
      `3. Selbstempfehlungen${program.blockSameDomain ? ", Empfehlungen innerhalb des eigenen Unternehmens" : ""}, doppelte oder gefälschte Konten und Spam zählen nicht. ${name} kann Empfehlungen prüfen, Prämien für Empfehlungen, die gegen diese Bedingungen verstoßen, zurückhalten oder stornieren und einen Empfehlungslink sperren.`,
      `4. ${f.maxHold > 0 ? "Prämien können vor der Freigabe zurückgehalten werden. " : ""}Wird einer empfohlenen Person ihre Zahlung erstattet, werden die Prämien für diese Empfehlung storniert; bereits ausgezahlte Prämien werden mit späteren Auszahlungen verrechnet.`,
      `5. ${name} kann das Programm jederzeit ändern oder beenden. Bereits verdiente Prämien behalten die Regeln, unter denen sie verdient wurden.`,
    ].join("\n\n");
  }
  return [
    `1. The ${name} referral program lets customers recommend ${name} to others. The rewards, and when they are paid, are described under “How it works” above; the rules published at the time a reward is earned apply.`,
    `2. A referral counts when someone new to ${name} signs up within ${window} of opening your personal link, or with your code, and meets the conditions described above.`,
    `3. Self-referrals${program.blockSameDomain ? ", referrals within your own company" : ""}, duplicate or fake accounts and spam do not count. ${name} may review referrals, withhold or cancel rewards for referrals that break these terms, and pause a referral link.`,
    `4. ${f.maxHold > 0 ? "Rewards may be held before they are approved. " : ""}If a referred customer is refunded, the rewards for that referral are cancelled, and rewards already paid are deducted from later payouts.`,
    `5. ${name} may change or end the program at any time. Rewards already earned keep the rules they were earned under.`,
  ].join("\n\n");
}
