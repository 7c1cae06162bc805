import { brandColor, html, type Markup, textOn } from "../program-page/render";
import { formatMoneyIn } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";
import { MONEY_KINDS } from "../rewards/schema";

/**
 * A member email, HTML and plain text, in English or German, in the program's colour. Pure. Every value from a
 * person (member and program names, reward descriptions) goes through the `html` tag, which escapes it; the
 * links are ours (the One Click Access link to the portal, the unsubscribe link, the referral link).
 */
export const EMAIL_KINDS = [
  "welcome",
  "friend_signed_up",
  "friend_converted",
  "reward_approved",
  "reward_paid",
  "monthly_summary",
  "moment_invite",
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** The monthly summary's content, read when it is sent (src/emails/summary.ts). */
export interface SummaryModel {
  /** The month it is sent in (YYYY-MM); the leaderboard is the month before. */
  month: string;
  /** The latest referrals (friends named as the portal names them), and how many there are in all. */
  referrals: { label: string; status: string }[];
  referralCount: number;
  /** Money rewards per currency: earned (approved or paid) and on hold. */
  money: { currency: string; earned: number; pending: number }[];
  freeMonths: { earned: number; pending: number };
  /** The next milestone, in the portal's words. */
  milestone: string | null;
  /** The member's rank on last month's leaderboard, when they are on it. */
  rank: { rank: number; month: string } | null;
  share: { label: string; url: string }[];
}

export interface EmailModel {
  kind: EmailKind;
  lang: PageLanguage;
  program: { name: string; brandColor: string };
  member: { name: string | null; code: string };
  /** The member's referral link (welcome). */
  referralLink: string;
  /** One Click Access: the portal, no login. */
  portalUrl: string;
  unsubscribeUrl: string;
  reward: { kind: string; amount: number; currency: string | null; description: string | null } | null;
  /** The friend as the portal names them (first name or masked address): friend_signed_up. */
  friend?: string | null;
  summary?: SummaryModel | null;
  /** The moment's invitation, in the email's language (moment_invite): the nudge's own words. */
  invite?: string | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const WORDS = {
  en: {
    hello: (name: string | null) => (name ? `Hi ${name},` : "Hi,"),
    welcomeSubject: (p: string) => `Your referral link for ${p}`,
    welcome: (p: string) =>
      `Welcome to the ${p} referral program. Share your link; when friends join, you are rewarded.`,
    yourLink: "Your link",
    yourCode: "Your code",
    convertedSubject: (p: string) => `A friend you referred became a ${p} customer`,
    converted: (p: string) =>
      `Good news: someone you referred is now a ${p} customer. Thank you for spreading the word.`,
    approvedSubject: (p: string) => `Your ${p} reward is approved`,
    approved: (amount: string) => `Your reward of ${amount} is approved.`,
    signedUpSubject: (p: string) => `Someone signed up for ${p} with your link`,
    signedUp: (friend: string, p: string) =>
      `${friend} signed up for ${p} through your referral. When they become a customer, you are rewarded.`,
    paidSubject: (p: string) => `Your ${p} reward is paid`,
    paid: (amount: string) => `Your reward of ${amount} is paid out.`,
    summarySubject: (p: string, month: string) => `Your ${p} referrals: ${month}`,
    summary: (p: string) => `Here is where your ${p} referrals stand.`,
    invite: "Share your link: when a team you know joins through it, you are rewarded.",
    referralsHeading: (n: number) => `Your referrals (${n})`,
    noReferrals: "No referrals yet. Share your link: every friend who signs up counts.",
    andMore: (n: number) => `…and ${n} more on your page.`,
    rewardsHeading: "Your rewards",
    earnedPending: (earned: string, pending: string) => `${earned} earned, ${pending} on hold`,
    freeMonthsLine: (earned: number, pending: number) => `Free months: ${earned} earned, ${pending} on hold`,
    noRewards: "No rewards yet.",
    rank: (rank: number, month: string) => `You were #${rank} on the leaderboard in ${month}.`,
    shareHeading: "Share your link",
    portal: "Open your referral page",
    portalNote: "The button signs you in to your page; it works for 30 days.",
    footer: (p: string) => `You get this email because you joined the ${p} referral program.`,
    unsubscribe: "Unsubscribe",
    months: (n: number) => `${n} free ${n === 1 ? "month" : "months"}`,
  },
  de: {
    hello: (name: string | null) => (name ? `Hallo ${name},` : "Hallo,"),
    welcomeSubject: (p: string) => `Ihr Empfehlungslink für ${p}`,
    welcome: (p: string) =>
      `Willkommen im Empfehlungsprogramm von ${p}. Teilen Sie Ihren Link; wenn Freunde mitmachen, werden Sie belohnt.`,
    yourLink: "Ihr Link",
    yourCode: "Ihr Code",
    convertedSubject: (p: string) => `Eine von Ihnen empfohlene Person ist jetzt Kunde von ${p}`,
    converted: (p: string) =>
      `Gute Nachricht: Eine von Ihnen empfohlene Person ist jetzt Kunde von ${p}. Danke für Ihre Empfehlung.`,
    approvedSubject: (p: string) => `Ihre Prämie von ${p} ist freigegeben`,
    approved: (amount: string) => `Ihre Prämie über ${amount} ist freigegeben.`,
    signedUpSubject: (p: string) => `Jemand hat sich mit Ihrem Link bei ${p} angemeldet`,
    signedUp: (friend: string, p: string) =>
      `${friend} hat sich über Ihre Empfehlung bei ${p} angemeldet. Wird daraus ein Kunde, werden Sie belohnt.`,
    paidSubject: (p: string) => `Ihre Prämie von ${p} ist ausgezahlt`,
    paid: (amount: string) => `Ihre Prämie über ${amount} ist ausgezahlt.`,
    summarySubject: (p: string, month: string) => `Ihre Empfehlungen bei ${p}: ${month}`,
    summary: (p: string) => `So stehen Ihre Empfehlungen bei ${p}.`,
    invite: "Teilen Sie Ihren Link: Wenn ein Team, das Sie kennen, darüber dazukommt, werden Sie belohnt.",
    referralsHeading: (n: number) => `Ihre Empfehlungen (${n})`,
    noReferrals: "Noch keine Empfehlungen. Teilen Sie Ihren Link: Jede Anmeldung zählt.",
    andMore: (n: number) => `…und ${n} weitere auf Ihrer Seite.`,
    rewardsHeading: "Ihre Prämien",
    earnedPending: (earned: string, pending: string) => `${earned} verdient, ${pending} zurückgehalten`,
    freeMonthsLine: (earned: number, pending: number) => `Gratismonate: ${earned} verdient, ${pending} zurückgehalten`,
    noRewards: "Noch keine Prämien.",
    rank: (rank: number, month: string) => `Sie waren im ${month} auf Platz ${rank} der Bestenliste.`,
    shareHeading: "Link teilen",
    portal: "Ihre Empfehlungsseite öffnen",
    portalNote: "Die Schaltfläche meldet Sie auf Ihrer Seite an; sie gilt 30 Tage.",
    footer: (p: string) => `Sie erhalten diese E-Mail, weil Sie am Empfehlungsprogramm von ${p} teilnehmen.`,
    unsubscribe: "Abmelden",
    months: (n: number) => `${n} ${n === 1 ? "Gratismonat" : "Gratismonate"}`,
  },
} as const;

function amountIn(lang: PageLanguage, r: NonNullable<EmailModel["reward"]>): string {
  let amount: string;
  if ((MONEY_KINDS as ReadonlySet<string>).has(r.kind) && r.currency)
    amount = formatMoneyIn(lang, r.amount, r.currency);
  else if (r.kind === "free_months") amount = WORDS[lang].months(r.amount);
  else if (r.kind === "discount_percent") amount = `${r.amount}${lang === "de" ? "\u00a0" : ""}%`;
  else amount = String(r.amount);
  return r.description ? `${amount} (${r.description})` : amount;
}

export function renderEmail(m: EmailModel): RenderedEmail {
  const w = WORDS[m.lang];
  const p = m.program.name;
  let subject: string;
  let lines: string[];
  let extra: Markup | null = null;
  let extraText = "";
  if (m.kind === "welcome" || m.kind === "moment_invite") {
    // The moment's own words are its subject ("Thanks for renewing — know a team that would like Ledgerly?").
    const invite = m.kind === "moment_invite" ? (m.invite ?? null) : null;
    subject = invite ?? w.welcomeSubject(p);
    lines = invite ? [invite, w.invite] : [w.welcome(p)];
    extra = html`<p style="margin:16px 0 4px;font-weight:600">${w.yourLink}</p>
<p style="margin:0;padding:10px 12px;background:#f3f4f6;border-radius:6px;font-family:monospace;word-break:break-all">${m.referralLink}</p>
<p style="margin:12px 0 0">${w.yourCode}: <strong>${m.member.code}</strong></p>`;
    extraText = `${w.yourLink}: ${m.referralLink}\n${w.yourCode}: ${m.member.code}\n\n`;
  } else if (m.kind === "friend_signed_up") {
    subject = w.signedUpSubject(p);
    lines = [w.signedUp(m.friend ?? "", p)];
  } else if (m.kind === "friend_converted") {
    subject = w.convertedSubject(p);
    lines = [w.converted(p)];
  } else if (m.kind === "reward_paid") {
    subject = w.paidSubject(p);
    lines = [w.paid(m.reward ? amountIn(m.lang, m.reward) : "")];
  } else if (m.kind === "monthly_summary") {
    subject = w.summarySubject(p, m.summary ? monthName(m.lang, m.summary.month) : "");
    lines = [w.summary(p)];
    if (m.summary) {
      const parts = summaryParts(m.lang, m.summary, brandColor(m.program.brandColor));
      extra = parts.html;
      extraText = parts.text;
    }
  } else {
    subject = w.approvedSubject(p);
    lines = [w.approved(m.reward ? amountIn(m.lang, m.reward) : "")];
  }
  const brand = brandColor(m.program.brandColor);
  const body = html`<!doctype html>
<html lang="${m.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#f9fafb;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f9fafb"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${brand};color:${textOn(brand)};padding:16px 24px;font-size:18px;font-weight:600">${p}</td></tr>
<tr><td style="padding:24px;font-size:16px;line-height:1.5">
<p style="margin:0 0 12px">${w.hello(m.member.name)}</p>
${lines.map((l) => html`<p style="margin:0 0 12px">${l}</p>`)}
${extra}
<p style="margin:24px 0 8px"><a href="${m.portalUrl}" style="display:inline-block;background:${brand};color:${textOn(brand)};padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${w.portal}</a></p>
<p style="margin:0;font-size:13px;color:#6b7280">${w.portalNote}</p>
</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${w.footer(p)} <a href="${m.unsubscribeUrl}" style="color:#6b7280">${w.unsubscribe}</a></td></tr>
</table></td></tr></table></body></html>`;
  const text = `${w.hello(m.member.name)}\n\n${lines.join("\n\n")}\n\n${extraText}${w.portal}: ${m.portalUrl}\n(${w.portalNote})\n\n--\n${w.footer(p)}\n${w.unsubscribe}: ${m.unsubscribeUrl}\n`;
  return { subject: subject.replace(/[\r\n]+/g, " "), html: body.toString(), text };
}

const LOCALES: Record<PageLanguage, string> = { en: "en-US", de: "de-DE" };

/** "2026-12" → "December 2026" / "Dezember 2026". */
export function monthName(lang: PageLanguage, month: string): string {
  const [y, mo] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat(LOCALES[lang], { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, mo - 1, 1)),
  );
}

/** The summary's body: referrals with their status, rewards earned and on hold, milestone, rank, share links. */
function summaryParts(lang: PageLanguage, s: SummaryModel, brand: string): { html: Markup; text: string } {
  const w = WORDS[lang];
  const h = (t: string) => html`<h2 style="margin:24px 0 8px;font-size:16px">${t}</h2>`;
  const more = s.referralCount - s.referrals.length;
  const rewardLines = [
    ...s.money.map((t) =>
      w.earnedPending(formatMoneyIn(lang, t.earned, t.currency), formatMoneyIn(lang, t.pending, t.currency)),
    ),
    ...(s.freeMonths.earned > 0 || s.freeMonths.pending > 0
      ? [w.freeMonthsLine(s.freeMonths.earned, s.freeMonths.pending)]
      : []),
  ];
  const rank = s.rank ? w.rank(s.rank.rank, monthName(lang, s.rank.month)) : null;
  const markup = html`${h(w.referralsHeading(s.referralCount))}
${
  s.referrals.length === 0
    ? html`<p style="margin:0">${w.noReferrals}</p>`
    : html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">${s.referrals.map(
        (r) =>
          html`<tr><td style="padding:6px 0;border-bottom:1px solid #e5e7eb">${r.label}</td><td style="padding:6px 0;border-bottom:1px solid #e5e7eb;text-align:right">${r.status}</td></tr>`,
      )}</table>${more > 0 && html`<p style="margin:8px 0 0;font-size:14px;color:#6b7280">${w.andMore(more)}</p>`}`
}
${h(w.rewardsHeading)}
${rewardLines.length === 0 ? html`<p style="margin:0">${w.noRewards}</p>` : rewardLines.map((l) => html`<p style="margin:0 0 4px">${l}</p>`)}
${s.milestone && html`<p style="margin:8px 0 0">${s.milestone}</p>`}
${rank && html`<p style="margin:8px 0 0;font-weight:600">${rank}</p>`}
${h(w.shareHeading)}
<p style="margin:0">${s.share.map(
    (l) =>
      html`<a href="${l.url}" style="display:inline-block;margin:0 8px 8px 0;border:1px solid ${brand};color:#111827;padding:8px 14px;border-radius:6px;text-decoration:none">${l.label}</a>`,
  )}</p>`;
  const text = [
    `${w.referralsHeading(s.referralCount)}:`,
    ...(s.referrals.length === 0 ? [w.noReferrals] : s.referrals.map((r) => `- ${r.label}: ${r.status}`)),
    ...(more > 0 ? [w.andMore(more)] : []),
    "",
    `${w.rewardsHeading}:`,
    ...(rewardLines.length === 0 ? [w.noRewards] : rewardLines.map((l) => `- ${l}`)),
    ...(s.milestone ? [s.milestone] : []),
    ...(rank ? ["", rank] : []),
    "",
    `${w.shareHeading}:`,
    ...s.share.map((l) => `- ${l.label}: ${l.url}`),
    "",
    "",
  ].join("\n");
  return { html: markup, text };
}
