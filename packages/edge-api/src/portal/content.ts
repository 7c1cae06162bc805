import type { PageLanguage } from "../programs/schema";
import type { RewardTrigger } from "../rewards/schema";

/**
 * The member portal's words in English and German: the portal itself, and the pages a link or a visit without
 * a session gets. The status and reward words match the widget's panel (packages/widget/src/panel/strings.ts),
 * so a member reads the same word in both places. Pure; the page escapes what it prints.
 */
export interface PortalWords {
  title: (program: string) => string;
  greeting: (name: string) => string;
  linkHeading: string;
  linkLabel: string;
  codeLabel: string;
  copyHint: string;
  shareHeading: string;
  shareEmail: string;
  emailSubject: (program: string) => string;
  newTab: string;
  rewardsHeading: string;
  rewardPending: string;
  rewardApproved: string;
  rewardPaid: string;
  noRewards: string;
  freeMonths: (earned: number, pending: number) => string;
  discount: (percent: string) => string;
  raffleEntries: (entries: number) => string;
  /** "Next bonus: $250 bonus on your third customer (1 of 3 customers)". */
  milestone: (current: number, target: number, counted: RewardTrigger, what: string | null) => string;
  recentHeading: string;
  reward: string;
  state: string;
  date: string;
  rewardState: Record<"pending" | "approved" | "paid" | "voided", string>;
  heldUntil: (date: string) => string;
  awaitingApproval: string;
  freeMonthsAmount: (n: number) => string;
  referralsHeading: string;
  friend: string;
  status: string;
  referred: string;
  noReferrals: string;
  referralStatus: Record<string, string>;
  stats: (visits: number, leads: number, customers: number) => string;
  programLink: string;
  testMode: string;
  privateNote: string;
  // Pages without the portal.
  signedOutTitle: string;
  signedOutText: (program: string) => string;
  invalidTitle: string;
  invalidText: string;
  expiredTitle: string;
  expiredText: (program: string) => string;
  limitedTitle: string;
  limitedText: string;
  pausedTitle: string;
  pausedText: (program: string) => string;
}

const en: PortalWords = {
  title: (program) => `Your referrals at ${program}`,
  greeting: (name) => `Hello ${name}, here is everything about your referrals.`,
  linkHeading: "Your link",
  linkLabel: "Your referral link",
  codeLabel: "Your referral code",
  copyHint: "Select the link or the code to copy it. Friends can also type your code when they sign up.",
  shareHeading: "Share it",
  shareEmail: "Email",
  emailSubject: (program) => `Try ${program}`,
  newTab: "(opens in a new tab)",
  rewardsHeading: "Your rewards",
  rewardPending: "On hold",
  rewardApproved: "Approved, to be paid",
  rewardPaid: "Paid out",
  noRewards: "No rewards yet. You earn them when the people you refer sign up and become customers.",
  freeMonths: (earned, pending) => `Free months: ${earned} earned, ${pending} on hold.`,
  discount: (percent) => `Your discount: ${percent}.`,
  raffleEntries: (entries) => `Raffle entries this month: ${entries}.`,
  milestone: (current, target, counted, what) => {
    const noun = { lead: "referrals", qualified: "qualified referrals", converted: "customers", renewed: "customers" };
    const progress = `${current} of ${target} ${noun[counted]}`;
    return what ? `Next bonus: ${what} (${progress})` : `Next bonus: ${progress}`;
  },
  recentHeading: "Latest rewards",
  reward: "Reward",
  state: "State",
  date: "Date",
  rewardState: { pending: "On hold", approved: "Approved", paid: "Paid out", voided: "Cancelled" },
  heldUntil: (date) => `until ${date}`,
  awaitingApproval: "waiting for approval",
  freeMonthsAmount: (n) => `${n} free ${n === 1 ? "month" : "months"}`,
  referralsHeading: "Your referrals",
  friend: "Friend",
  status: "Status",
  referred: "Referred on",
  noReferrals: "No referrals yet. Share your link to get started.",
  referralStatus: {
    lead: "Referred",
    qualified: "Qualified",
    converted: "Customer",
    renewed: "Customer",
    lost: "Closed",
    refunded: "Refunded",
  },
  stats: (visits, leads, customers) =>
    `${visits} ${visits === 1 ? "visit" : "visits"} through your link, ${leads} referred, ${customers} ${customers === 1 ? "customer" : "customers"}.`,
  programLink: "How it works, FAQ and terms",
  testMode: "Test mode: this program is being set up, and referrals and rewards here are not real.",
  privateNote: "This page is only for you. Please do not forward the email that brought you here.",
  signedOutTitle: "Open your referral page",
  signedOutText: (program) =>
    `Your referral page shows your link, your referrals and your rewards. It opens from the link in an email from ${program}, with no password. If your link has expired, use the one in a newer email, or ask ${program} for a new one.`,
  invalidTitle: "This link does not work",
  invalidText:
    "The link may be incomplete or mistyped. Open it again from the email, or ask for a new one. Links to a referral page work for a limited time.",
  expiredTitle: "This link has expired",
  expiredText: (program) =>
    `Links to your referral page work for a limited time. Use the link in a newer email from ${program}, or ask ${program} for a new one.`,
  limitedTitle: "Too many attempts",
  limitedText: "Too many links that do not work were opened from your network. Wait a few minutes and try again.",
  pausedTitle: "Your referral account is paused",
  pausedText: (program) => `${program} has paused your referral account. If you have questions, contact ${program}.`,
};

const de: PortalWords = {
  title: (program) => `Ihre Empfehlungen bei ${program}`,
  greeting: (name) => `Hallo ${name}, hier sehen Sie alles zu Ihren Empfehlungen.`,
  linkHeading: "Ihr Link",
  linkLabel: "Ihr Empfehlungslink",
  codeLabel: "Ihr Empfehlungscode",
  copyHint:
    "Markieren Sie den Link oder den Code, um ihn zu kopieren. Ihren Code kann man auch bei der Anmeldung eingeben.",
  shareHeading: "Teilen",
  shareEmail: "E-Mail",
  emailSubject: (program) => `Probieren Sie ${program}`,
  newTab: "(öffnet in einem neuen Tab)",
  rewardsHeading: "Ihre Prämien",
  rewardPending: "Zurückgehalten",
  rewardApproved: "Freigegeben, noch offen",
  rewardPaid: "Ausgezahlt",
  noRewards:
    "Noch keine Prämien. Sie verdienen sie, wenn sich die Personen, die Sie empfehlen, anmelden und Kunden werden.",
  freeMonths: (earned, pending) => `Gratismonate: ${earned} verdient, ${pending} zurückgehalten.`,
  discount: (percent) => `Ihr Rabatt: ${percent}.`,
  raffleEntries: (entries) => `Verlosungslose diesen Monat: ${entries}.`,
  milestone: (current, target, counted, what) => {
    const noun = {
      lead: "Empfehlungen",
      qualified: "qualifizierten Empfehlungen",
      converted: "Kunden",
      renewed: "Kunden",
    };
    const progress = `${current} von ${target} ${noun[counted]}`;
    return what ? `Nächster Bonus: ${what} (${progress})` : `Nächster Bonus: ${progress}`;
  },
  recentHeading: "Letzte Prämien",
  reward: "Prämie",
  state: "Stand",
  date: "Datum",
  rewardState: { pending: "Zurückgehalten", approved: "Freigegeben", paid: "Ausgezahlt", voided: "Storniert" },
  heldUntil: (date) => `bis ${date}`,
  awaitingApproval: "wartet auf Freigabe",
  freeMonthsAmount: (n) => `${n} ${n === 1 ? "Gratismonat" : "Gratismonate"}`,
  referralsHeading: "Ihre Empfehlungen",
  friend: "Person",
  status: "Status",
  referred: "Empfohlen am",
  noReferrals: "Noch keine Empfehlungen. Teilen Sie Ihren Link, um loszulegen.",
  referralStatus: {
    lead: "Empfohlen",
    qualified: "Qualifiziert",
    converted: "Kunde",
    renewed: "Kunde",
    lost: "Abgeschlossen",
    refunded: "Erstattet",
  },
  stats: (visits, leads, customers) =>
    `${visits} ${visits === 1 ? "Aufruf" : "Aufrufe"} über Ihren Link, ${leads} empfohlen, ${customers} ${customers === 1 ? "Kunde" : "Kunden"}.`,
  programLink: "So funktioniert es, FAQ und Bedingungen",
  testMode: "Testmodus: Dieses Programm wird gerade eingerichtet; Empfehlungen und Prämien hier sind nicht echt.",
  privateNote: "Diese Seite ist nur für Sie. Bitte leiten Sie die E-Mail, über die Sie hierher kamen, nicht weiter.",
  signedOutTitle: "Ihre Empfehlungsseite öffnen",
  signedOutText: (program) =>
    `Ihre Empfehlungsseite zeigt Ihren Link, Ihre Empfehlungen und Ihre Prämien. Sie öffnet sich ohne Passwort über den Link in einer E-Mail von ${program}. Ist Ihr Link abgelaufen, nutzen Sie den aus einer neueren E-Mail oder bitten Sie ${program} um einen neuen.`,
  invalidTitle: "Dieser Link funktioniert nicht",
  invalidText:
    "Der Link ist vielleicht unvollständig oder falsch abgetippt. Öffnen Sie ihn noch einmal aus der E-Mail oder bitten Sie um einen neuen. Links zur Empfehlungsseite gelten nur eine gewisse Zeit.",
  expiredTitle: "Dieser Link ist abgelaufen",
  expiredText: (program) =>
    `Links zu Ihrer Empfehlungsseite gelten nur eine gewisse Zeit. Nutzen Sie den Link aus einer neueren E-Mail von ${program} oder bitten Sie ${program} um einen neuen.`,
  limitedTitle: "Zu viele Versuche",
  limitedText:
    "Aus Ihrem Netzwerk wurden zu viele ungültige Links geöffnet. Warten Sie ein paar Minuten und versuchen Sie es erneut.",
  pausedTitle: "Ihr Empfehlungskonto ist pausiert",
  pausedText: (program) => `${program} hat Ihr Empfehlungskonto pausiert. Wenden Sie sich bei Fragen an ${program}.`,
};

export const PORTAL_WORDS: Record<PageLanguage, PortalWords> = { en, de };
