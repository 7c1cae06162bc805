import type { WaitReason } from "../payouts/plan";
import type { PayoutMethod } from "../payouts/providers/types";
import type { MemberPayoutStatus } from "../payouts/service";
import { html, type Markup } from "../program-page/render";
import { formatMoneyIn } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";

/**
 * The portal's "Getting paid" section: the member picks how they are paid (a plain form, no JavaScript, posted to
 * `/p/<slug>/me/payout-method`), and reads what is on its way and what waits and why (below the program's minimum,
 * over its yearly limit, no method chosen). Words in English and German, like the rest of the portal.
 */
export const PAYOUT_CSS = `.methods{border:0;padding:0;margin:.5rem 0}
.methods legend{font-weight:600;padding:0;margin-bottom:.25rem}
.methods label{display:flex;gap:.5rem;align-items:baseline;padding:.25rem 0}
.field{display:flex;flex-direction:column;gap:.25rem;margin:.75rem 0;max-width:24rem}
.field input{font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:6px}
button.primary{font:inherit;font-weight:600;background:var(--brand);color:var(--brand-text);border:0;border-radius:6px;padding:.5rem 1rem;cursor:pointer}
.saved{border-left:4px solid var(--brand);padding:.5rem .75rem;background:#f3f4f6}
.error{border-left:4px solid #b91c1c;padding:.5rem .75rem;background:#fef2f2;color:#7f1d1d}`;

interface Words {
  heading: string;
  legend: string;
  method: Record<PayoutMethod, string>;
  emailLabel: string;
  emailHint: string;
  save: string;
  saved: string;
  errors: Record<"email" | "method", string>;
  onTheWay: (amount: string, method: string) => string;
  nextRun: (amount: string) => string;
  paid: (amount: string, method: string, date: string) => string;
  waiting: Record<WaitReason, (amount: string, limit: string | null) => string>;
  manualOnly: string;
}

const WORDS: Record<PageLanguage, Words> = {
  en: {
    heading: "Getting paid",
    legend: "How do you want to be paid?",
    method: {
      paypal: "PayPal",
      tremendous: "Gift card of your choice (Tremendous)",
      wise: "Bank transfer (Wise asks for your bank details by email)",
      account_credit: "Credit on your account",
      manual: "As arranged with the team",
    },
    emailLabel: "Email address for PayPal, Tremendous or Wise",
    emailHint: "Leave it empty to use the address this program has for you.",
    save: "Save payout method",
    saved: "Saved. Your next payout goes this way.",
    errors: {
      email: "That method pays to an email address: please enter a valid one.",
      method: "Please choose one of the ways this program pays.",
    },
    onTheWay: (a, m) => `${a} is on its way by ${m}.`,
    nextRun: (a) => `${a} is ready and goes out with the next payout.`,
    paid: (a, m, d) => `${a} paid by ${m} on ${d}.`,
    waiting: {
      no_method: (a) => `${a} is ready: choose how you want to be paid to receive it.`,
      manual: (a) => `${a} is ready; the team pays it as arranged.`,
      method_not_offered: (a) => `${a} is ready, but the program no longer pays your way: choose another.`,
      method_not_selected: (a) => `${a} is ready and goes out with a later payout.`,
      member_suspended: (a) => `${a} is on hold while your account is paused.`,
      nothing_to_pay: () => "Nothing to pay out right now: an earlier reward was taken back after a refund.",
      below_minimum: (a, l) => `${a} is waiting until your rewards reach ${l}, the program's minimum payout.`,
      yearly_limit: (a, l) =>
        `${a} is waiting: this year's payouts have reached the program's yearly limit (${l} left this year). It is paid from January.`,
      run_full: (a) => `${a} is ready and goes out with the next payout.`,
    },
    manualOnly: "The team pays rewards directly; there is nothing to choose.",
  },
  de: {
    heading: "Auszahlung",
    legend: "Wie möchten Sie ausgezahlt werden?",
    method: {
      paypal: "PayPal",
      tremendous: "Gutschein Ihrer Wahl (Tremendous)",
      wise: "Überweisung (Wise fragt Ihre Bankdaten per E-Mail ab)",
      account_credit: "Guthaben auf Ihrem Konto",
      manual: "Wie mit dem Team vereinbart",
    },
    emailLabel: "E-Mail-Adresse für PayPal, Tremendous oder Wise",
    emailHint: "Leer lassen, um die Adresse zu verwenden, die das Programm von Ihnen hat.",
    save: "Auszahlungsart speichern",
    saved: "Gespeichert. Ihre nächste Auszahlung geht auf diesem Weg.",
    errors: {
      email: "Diese Auszahlungsart braucht eine E-Mail-Adresse: Bitte geben Sie eine gültige ein.",
      method: "Bitte wählen Sie eine der Auszahlungsarten dieses Programms.",
    },
    onTheWay: (a, m) => `${a} ist per ${m} unterwegs.`,
    nextRun: (a) => `${a} ist bereit und wird mit der nächsten Auszahlung überwiesen.`,
    paid: (a, m, d) => `${a} per ${m} ausgezahlt am ${d}.`,
    waiting: {
      no_method: (a) => `${a} ist bereit: Wählen Sie, wie Sie ausgezahlt werden möchten.`,
      manual: (a) => `${a} ist bereit; das Team zahlt es wie vereinbart aus.`,
      method_not_offered: (a) =>
        `${a} ist bereit, aber das Programm zahlt nicht mehr auf Ihrem Weg aus: Bitte wählen Sie einen anderen.`,
      method_not_selected: (a) => `${a} ist bereit und wird mit einer späteren Auszahlung überwiesen.`,
      member_suspended: (a) => `${a} ist zurückgehalten, solange Ihr Konto pausiert ist.`,
      nothing_to_pay: () => "Derzeit nichts auszuzahlen: Eine frühere Prämie wurde nach einer Erstattung verrechnet.",
      below_minimum: (a, l) => `${a} wartet, bis Ihre Prämien ${l} erreichen, die Mindestauszahlung des Programms.`,
      yearly_limit: (a, l) =>
        `${a} wartet: Die Auszahlungen dieses Jahres haben die Jahresgrenze des Programms erreicht (noch ${l} in diesem Jahr). Die Auszahlung folgt ab Januar.`,
      run_full: (a) => `${a} ist bereit und wird mit der nächsten Auszahlung überwiesen.`,
    },
    manualOnly: "Das Team zahlt Prämien direkt aus; hier ist nichts zu wählen.",
  },
};

export function renderPayoutSection(opts: {
  lang: PageLanguage;
  status: MemberPayoutStatus;
  action: string;
  memberEmail: string | null;
  notice: "saved" | "email" | "method" | null;
}): Markup {
  const w = WORDS[opts.lang];
  const { status, lang } = opts;
  const money = (minor: number, currency: string | null) => formatMoneyIn(lang, minor, currency ?? "");
  const date = (ms: number) =>
    new Intl.DateTimeFormat(lang === "de" ? "de-DE" : "en-US", { dateStyle: "medium", timeZone: "UTC" }).format(ms);
  const lines: Markup[] = [
    ...status.onTheWay.map((p) => html`<li>${w.onTheWay(money(p.amount ?? 0, p.currency), w.method[p.method])}</li>`),
    ...status.next.map((n) => html`<li>${w.nextRun(money(n.amount, n.currency))}</li>`),
    ...status.waiting.map(
      (x) =>
        html`<li>${w.waiting[x.reason](money(x.amount, x.currency), x.limit === undefined ? null : money(x.limit, x.currency))}</li>`,
    ),
    ...status.paid.map(
      (p) =>
        html`<li>${w.paid(money(p.amount ?? 0, p.currency), w.method[p.method], date(p.paid_at ?? p.created_at))}</li>`,
    ),
  ];
  const offered = status.settings.methods;
  const choosable = offered.some((m) => m !== "manual");
  const current = status.method && offered.includes(status.method) ? status.method : null;
  const notice =
    opts.notice === "saved"
      ? html`<p class="saved" role="status">${w.saved}</p>`
      : opts.notice
        ? html`<p class="error" role="alert">${w.errors[opts.notice]}</p>`
        : null;
  const form = choosable
    ? html`<form method="post" action="${opts.action}">
<fieldset class="methods"><legend>${w.legend}</legend>
${offered.map(
  (m) =>
    html`<label><input type="radio" name="method" value="${m}"${current === m ? html` checked` : null} required> ${w.method[m]}</label>
`,
)}</fieldset>
<div class="field"><label for="payout-email">${w.emailLabel}</label>
<input id="payout-email" name="email" type="email" autocomplete="email" value="${status.methodEmail ?? ""}" placeholder="${opts.memberEmail ?? ""}" aria-describedby="payout-email-hint">
<span id="payout-email-hint" class="sub">${w.emailHint}</span></div>
<button class="primary" type="submit">${w.save}</button>
</form>`
    : html`<p>${w.manualOnly}</p>`;
  return html`<section aria-labelledby="payouts"><h2 id="payouts">${w.heading}</h2>
${notice}
${lines.length > 0 ? html`<ul>${lines}</ul>` : null}
${form}
</section>`;
}
