import type { MemberStats } from "../members/schema";
import { CHROME } from "../program-page/content";
import {
  brandColor,
  DEFAULT_BRAND,
  document,
  html,
  type Markup,
  type Rendered,
  safeUrl,
  stylesheet,
} from "../program-page/render";
import { formatMoneyIn } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";
import { type MemberRewardsView, MONEY_KINDS } from "../rewards/schema";
import { PORTAL_WORDS } from "./content";
import { EMAIL_PREFERENCES_CSS } from "./email-preferences";
import { PAYOUT_CSS } from "./payouts-section";
import type { PortalReferral } from "./service";

/**
 * The member portal (`GET /p/<slug>/me`) and the pages around it, as HTML: pure, no script, written with the
 * program page's `html` tag (everything escaped unless built here), its look and its one hashed stylesheet plus
 * the portal's own rules. Nothing needs JavaScript: the link and code are text selected with one click
 * (`user-select: all`), the share buttons are plain links built here, progress is a `<progress>`.
 */

const PORTAL_CSS = `.greeting{font-size:1.125rem;margin:0}
.copy{margin:0}
.copy dt{font-weight:600;margin-top:.75rem}
.copy dd{margin:.25rem 0 0}
@media (min-width:40rem){.copy{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.5rem 1rem;align-items:baseline}.copy dt,.copy dd{margin:0}}
.copy code{display:inline-block;max-width:100%;user-select:all;-webkit-user-select:all;overflow-wrap:anywhere;background:#f3f4f6;border:1px solid var(--line);border-radius:4px;padding:.2rem .5rem;font:1rem/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.hint,.note{color:var(--muted);font-size:.9375rem}
h3{margin-top:1.5rem}
.share{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.5rem}
.share a{display:inline-block;background:var(--brand);color:var(--brand-text);padding:.5rem 1rem;border-radius:6px;font-weight:600;text-decoration:none}
.share a:hover{text-decoration:underline}
table{width:100%;border-collapse:collapse;margin:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem .75rem .5rem 0;border-bottom:1px solid var(--line)}
.date{white-space:nowrap}
th:last-child,td:last-child{padding-right:0}
thead th{font-size:.875rem;color:var(--muted);font-weight:600}
tbody th{font-weight:400}
.num{text-align:right;font-variant-numeric:tabular-nums}
.sub{display:block;color:var(--muted);font-size:.875rem}
.milestone{margin:1.25rem 0}
.milestone p{margin:0 0 .25rem}
progress{width:100%;height:.875rem;accent-color:var(--brand)}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.notice{padding-top:2.5rem}`;

const LOCALES: Record<PageLanguage, string> = { en: "en-US", de: "de-DE" };

function dateIn(lang: PageLanguage, isoTime: string): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeZone: "UTC" }).format(new Date(isoTime));
}

function percentIn(lang: PageLanguage, percent: number): string {
  return new Intl.NumberFormat(LOCALES[lang], { style: "percent", maximumFractionDigits: 2 }).format(percent / 100);
}

/** The first word of a name: "Sam Lee" → "Sam". */
export function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first ? first : null;
}

/** `sam.lee@initech.com` → `s•••@i•••.com`: enough to recognise, not enough to write to or look up. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  const local = at > 0 ? email.slice(0, at) : email;
  const domain = at > 0 ? email.slice(at + 1) : "";
  const dot = domain.lastIndexOf(".");
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : "";
  const mask = (part: string) => (part ? `${[...part][0]}•••` : "•••");
  return `${mask(local)}@${mask(host)}${tld}`;
}

/**
 * How the portal names a referred friend: their first name if they gave one, else their address masked. The
 * portal opens from an emailed link with no login, and an email can be forwarded, so it shows what lets the
 * member recognise whom they referred and nothing to contact or identify them by: no surname, company or
 * address. (The widget, behind the host's own login, shows name and company.)
 */
export function friendLabel(r: Pick<PortalReferral, "friendName" | "friendEmail">): string {
  return firstName(r.friendName) ?? maskEmail(r.friendEmail);
}

/** A masked address may wrap before its "@" on a narrow screen, and nowhere else. */
function breakable(label: string): Markup | string {
  const at = label.indexOf("@");
  return at > 0 ? html`${label.slice(0, at)}<wbr>${label.slice(at)}` : label;
}

export type ShareChannel = "email" | "linkedin" | "x";

/** The member may not edit the message here, but the link must be in it either way. */
function withLink(message: string, link: string): string {
  const text = message.trim();
  return text.includes(link) ? text : `${text} ${link}`.trim();
}

/** The same share URLs as the widget's buttons (packages/widget/src/panel/share-links.ts), built server-side. */
export function shareUrl(channel: ShareChannel, message: string, link: string, subject: string): string {
  const text = encodeURIComponent(withLink(message, link));
  switch (channel) {
    case "email":
      return `mailto:?subject=${encodeURIComponent(subject)}&body=${text}`;
    case "linkedin":
      return `https://www.linkedin.com/feed/?shareActive=true&text=${text}`;
    case "x":
      return `https://x.com/intent/post?text=${text}`;
  }
}

/** What every portal page shows of the program: its name and brand. */
export interface PortalProgram {
  name: string;
  brandColor: string;
  logoUrl: string | null;
  testMode: boolean;
}

export interface PortalModel {
  lang: PageLanguage;
  program: PortalProgram;
  /** The portal in each language (`?lang=`). */
  alternates: Record<PageLanguage, string>;
  /** The hosted program page (or the program's own): how it works, FAQ, terms. */
  programPageUrl: string;
  member: { name: string | null; code: string; link: string };
  /** The program's message, filled in for this member, for the share links. */
  message: string;
  stats: MemberStats;
  rewards: MemberRewardsView;
  /** What the next milestone pays, in words; null when the rules have none (or say nothing about it). */
  milestoneWhat: string | null;
  referrals: PortalReferral[];
  now: number;
  /** Extra sections after the rewards (the payouts section: src/portal/payouts-section.ts). */
  sections?: Markup[];
  /** The email preferences form (src/portal/email-preferences.ts). */
  emailPreferences?: Markup | null;
}

function pageStyle(brand: string): string {
  return `${stylesheet(brand)}\n${PORTAL_CSS}\n${PAYOUT_CSS}\n${EMAIL_PREFERENCES_CSS}`;
}

function head(title: string, brand: string): Markup {
  return html`<title>${title}</title>
<meta name="robots" content="noindex, nofollow">
<meta name="theme-color" content="${brandColor(brand)}">`;
}

/** The branded top of every portal page: test-mode note, language link, logo, title and an optional line. */
function hero(
  lang: PageLanguage,
  program: PortalProgram | null,
  title: string,
  line: string | null,
  alternates: Record<PageLanguage, string> | null,
): Markup {
  const chrome = CHROME[lang];
  const other = chrome.otherLanguage;
  const logo = program ? safeUrl(program.logoUrl, ["https:"]) : null;
  return html`${program?.testMode && html`<p class="test" role="note">${PORTAL_WORDS[lang].testMode}</p>`}
<header class="hero"><div class="wrap">
${alternates && html`<nav aria-label="${other.label}"><a href="${alternates[other.lang]}" hreflang="${other.lang}" lang="${other.lang}">${other.label}</a></nav>`}
${logo && program && html`<img class="logo" src="${logo}" alt="${chrome.logoAlt(program.name)}">`}
<h1>${title}</h1>
${line && html`<p class="greeting">${line}</p>`}
</div></header>`;
}

/**
 * Money by state (rows) and currency (columns): on hold, with the date the last hold ends; approved and to be
 * paid; paid out. States as rows keep the table narrow on a phone, as most programs pay in one currency.
 */
function moneyTotals(lang: PageLanguage, rewards: MemberRewardsView, now: number): Markup | null {
  const w = PORTAL_WORDS[lang];
  if (rewards.totals.length === 0) return null;
  const holdEnds = new Map<string, string>();
  for (const r of rewards.recent) {
    if (r.state !== "pending" || !r.currency || Date.parse(r.available_at) <= now) continue;
    const known = holdEnds.get(r.currency);
    if (!known || known < r.available_at) holdEnds.set(r.currency, r.available_at);
  }
  const row = (label: string, amount: (t: MemberRewardsView["totals"][number]) => Markup) =>
    html`<tr><th scope="row">${label}</th>${rewards.totals.map((t) => html`<td class="num">${amount(t)}</td>`)}</tr>
`;
  const money = (minor: number, currency: string) => html`${formatMoneyIn(lang, minor, currency)}`;
  return html`<table>
<thead><tr><th scope="col">${w.state}</th>${rewards.totals.map((t) => html`<th scope="col" class="num">${t.currency}</th>`)}</tr></thead>
<tbody>
${row(w.rewardPending, (t) => {
  const end = holdEnds.get(t.currency);
  return html`${money(t.pending, t.currency)}${end && html`<span class="sub">${w.heldUntil(dateIn(lang, end))}</span>`}`;
})}${row(w.rewardApproved, (t) => money(t.approved, t.currency))}${row(w.rewardPaid, (t) => money(t.paid, t.currency))}</tbody>
</table>`;
}

function rewardAmount(lang: PageLanguage, r: MemberRewardsView["recent"][number]): string {
  if (MONEY_KINDS.has(r.kind) && r.currency) return formatMoneyIn(lang, r.amount, r.currency);
  if (r.kind === "free_months") return PORTAL_WORDS[lang].freeMonthsAmount(r.amount);
  if (r.kind === "discount_percent") return percentIn(lang, r.amount);
  return String(r.amount);
}

/** The latest rewards one by one: amount (and the rule's description), state with the hold's end, date. */
function recentRewards(lang: PageLanguage, rewards: MemberRewardsView, now: number): Markup | null {
  const w = PORTAL_WORDS[lang];
  const recent = rewards.recent.filter((r) => r.state !== "in_review");
  if (recent.length === 0) return null;
  const rows = recent.map((r) => {
    const state = r.state as keyof typeof w.rewardState;
    const pendingNote =
      r.state === "pending"
        ? Date.parse(r.available_at) > now
          ? w.heldUntil(dateIn(lang, r.available_at))
          : w.awaitingApproval
        : null;
    return html`<tr><td>${rewardAmount(lang, r)}${r.description && html`<span class="sub">${r.description}</span>`}</td><td>${w.rewardState[state]}${
      pendingNote && html`<span class="sub">${pendingNote}</span>`
    }</td><td class="date">${dateIn(lang, r.created_at)}</td></tr>
`;
  });
  return html`<h3 id="recent">${w.recentHeading}</h3>
<table aria-labelledby="recent">
<thead><tr><th scope="col">${w.reward}</th><th scope="col">${w.state}</th><th scope="col">${w.date}</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

function milestone(lang: PageLanguage, rewards: MemberRewardsView, what: string | null): Markup | null {
  const m = rewards.next_milestone;
  if (!m || m.at <= 0) return null;
  const current = Math.min(m.current, m.at);
  return html`<div class="milestone"><p id="milestone">${PORTAL_WORDS[lang].milestone(current, m.at, m.trigger, what)}</p>
<progress aria-labelledby="milestone" max="${m.at}" value="${current}">${current} / ${m.at}</progress></div>`;
}

export function renderPortal(m: PortalModel): Rendered {
  const w = PORTAL_WORDS[m.lang];
  const style = pageStyle(m.program.brandColor);
  const first = firstName(m.member.name);
  const subject = w.emailSubject(m.program.name);
  const shares: { channel: ShareChannel; label: string }[] = [
    { channel: "email", label: w.shareEmail },
    { channel: "linkedin", label: "LinkedIn" },
    { channel: "x", label: "X" },
  ];
  const shareLinks = shares.map(({ channel, label }) =>
    channel === "email"
      ? html`<li><a href="${shareUrl(channel, m.message, m.member.link, subject)}">${label}</a></li>`
      : html`<li><a href="${shareUrl(channel, m.message, m.member.link, subject)}" target="_blank" rel="noopener noreferrer">${label}<span class="sr"> ${w.newTab}</span></a></li>`,
  );
  const r = m.rewards;
  const extras = [
    (r.free_months.earned > 0 || r.free_months.pending > 0) &&
      html`<p>${w.freeMonths(r.free_months.earned, r.free_months.pending)}</p>`,
    r.discount_percent > 0 && html`<p>${w.discount(percentIn(m.lang, r.discount_percent))}</p>`,
    r.raffle && html`<p>${w.raffleEntries(r.raffle.entries)}</p>`,
  ];
  const totals = moneyTotals(m.lang, r, m.now);
  const recent = recentRewards(m.lang, r, m.now);
  const anyRewards = Boolean(totals || recent || extras.some(Boolean));
  const referralRows = m.referrals.map(
    (ref) =>
      html`<tr><td>${breakable(friendLabel(ref))}</td><td>${w.referralStatus[ref.status] ?? ref.status}</td><td class="date">${dateIn(m.lang, ref.createdAt)}</td></tr>
`,
  );
  const body = html`${hero(m.lang, m.program, w.title(m.program.name), first ? w.greeting(first) : null, m.alternates)}
<main class="wrap">
<section aria-labelledby="link"><h2 id="link">${w.linkHeading}</h2>
<dl class="copy">
<dt>${w.linkLabel}</dt><dd><code>${m.member.link}</code></dd>
<dt>${w.codeLabel}</dt><dd><code>${m.member.code}</code></dd>
</dl>
<p class="hint">${w.copyHint}</p>
<h3 id="share">${w.shareHeading}</h3>
<ul class="share" aria-labelledby="share">
${shareLinks}
</ul>
</section>
<section aria-labelledby="rewards"><h2 id="rewards">${w.rewardsHeading}</h2>
${milestone(m.lang, r, m.milestoneWhat)}
${anyRewards ? html`${totals}${extras}${recent}` : html`<p>${w.noRewards}</p>`}
</section>
${m.sections ?? null}
<section aria-labelledby="referrals"><h2 id="referrals">${w.referralsHeading}</h2>
<p>${w.stats(m.stats.visits, m.stats.leads, m.stats.converted)}</p>
${
  m.referrals.length === 0
    ? html`<p>${w.noReferrals}</p>`
    : html`<table aria-labelledby="referrals">
<thead><tr><th scope="col">${w.friend}</th><th scope="col">${w.status}</th><th scope="col">${w.referred}</th></tr></thead>
<tbody>
${referralRows}</tbody>
</table>`
}
</section>
${m.emailPreferences ?? null}
<p><a href="${m.programPageUrl}">${w.programLink}</a></p>
<p class="note">${w.privateNote}</p>
</main>
<footer><div class="wrap">${m.program.name}</div></footer>`;
  return { html: document(m.lang, head(w.title(m.program.name), m.program.brandColor), body, style), style };
}

/**
 * A page with a title and a sentence: no session, a link that does not work or has expired, too many attempts,
 * a paused account. In the program's brand when the program is known; never any member data.
 */
export function renderNotice(
  lang: PageLanguage,
  notice: { title: string; text: string; program: PortalProgram | null; link?: { href: string; label: string } },
): Rendered {
  const brand = notice.program?.brandColor ?? DEFAULT_BRAND;
  const style = pageStyle(brand);
  const body = html`${hero(lang, notice.program, notice.title, null, null)}
<main class="wrap notice">
<p>${notice.text}</p>
${notice.link && html`<p><a href="${notice.link.href}">${notice.link.label}</a></p>`}
</main>
${notice.program && html`<footer><div class="wrap">${notice.program.name}</div></footer>`}`;
  return { html: document(lang, head(notice.title, brand), body, style), style };
}
