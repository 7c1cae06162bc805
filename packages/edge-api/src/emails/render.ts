import { brandColor, html, type Markup, textOn } from "../program-page/render";
import { formatMoneyIn } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";
import { MONEY_KINDS } from "../rewards/schema";

/**
 * A member email, HTML and plain text, in English or German, in the program's colour. Pure. Every value from a
 * person (member and program names, reward descriptions) goes through the `html` tag, which escapes it; the
 * links are ours (the One Click Access link to the portal, the unsubscribe link, the referral link).
 */
export type EmailKind = "welcome" | "friend_converted" | "reward_approved";

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
  if (m.kind === "welcome") {
    subject = w.welcomeSubject(p);
    lines = [w.welcome(p)];
    extra = html`<p style="margin:16px 0 4px;font-weight:600">${w.yourLink}</p>
<p style="margin:0;padding:10px 12px;background:#f3f4f6;border-radius:6px;font-family:monospace;word-break:break-all">${m.referralLink}</p>
<p style="margin:12px 0 0">${w.yourCode}: <strong>${m.member.code}</strong></p>`;
    extraText = `${w.yourLink}: ${m.referralLink}\n${w.yourCode}: ${m.member.code}\n\n`;
  } else if (m.kind === "friend_converted") {
    subject = w.convertedSubject(p);
    lines = [w.converted(p)];
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
