import type { EmailKind } from "../emails/render";
import { html, type Markup } from "../program-page/render";
import type { PageLanguage } from "../programs/schema";

/**
 * The portal's email preferences (`/p/<slug>/me`, section "Emails"): a plain form, no script, posted to
 * `POST /p/<slug>/me/emails` with the portal's session cookie, which answers 303 back to the portal with a
 * confirmation. Each kind the program sends can be turned off and on again (`email_opt_outs`); "no emails at
 * all" is the same row the one-click unsubscribe writes (`email_unsubscribes`), and unticking it here is how a
 * member who unsubscribed comes back. The consumer (src/emails/outbox.ts) skips both.
 *
 * The welcome is not listed: it is sent once, when the member joins, before they could choose.
 */
export const PREFERENCE_KINDS = [
  "friend_signed_up",
  "friend_converted",
  "reward_approved",
  "reward_paid",
  "monthly_summary",
  "moment_invite",
] as const satisfies readonly EmailKind[];
type PreferenceKind = (typeof PREFERENCE_KINDS)[number];

const WORDS = {
  en: {
    heading: "Emails",
    intro: "Choose the emails you get about your referrals.",
    kinds: {
      friend_signed_up: "A friend signs up with your link",
      friend_converted: "A friend becomes a customer",
      reward_approved: "A reward is approved",
      reward_paid: "A reward is paid out",
      monthly_summary: "Monthly summary",
      moment_invite: "An invitation after a milestone (a renewal, a solved support case)",
    } satisfies Record<PreferenceKind, string>,
    none: "No emails at all",
    save: "Save email preferences",
    saved: "Your email preferences are saved.",
    refused: "This form can only be sent from this page.",
  },
  de: {
    heading: "E-Mails",
    intro: "Wählen Sie, welche E-Mails Sie zu Ihren Empfehlungen erhalten.",
    kinds: {
      friend_signed_up: "Jemand meldet sich mit Ihrem Link an",
      friend_converted: "Eine empfohlene Person wird Kunde",
      reward_approved: "Eine Prämie ist freigegeben",
      reward_paid: "Eine Prämie ist ausgezahlt",
      monthly_summary: "Monatliche Übersicht",
      moment_invite: "Eine Einladung nach einem besonderen Moment (Verlängerung, gelöster Support-Fall)",
    } satisfies Record<PreferenceKind, string>,
    none: "Gar keine E-Mails",
    save: "E-Mail-Einstellungen speichern",
    saved: "Ihre E-Mail-Einstellungen sind gespeichert.",
    refused: "Dieses Formular kann nur von dieser Seite gesendet werden.",
  },
} as const;

export const EMAIL_PREFERENCES_CSS = `.prefs fieldset{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:.5rem 0}
.prefs label{display:flex;gap:.5rem;align-items:center;padding:.25rem 0}
.prefs input[type=checkbox]{width:1.125rem;height:1.125rem;accent-color:var(--brand)}
.prefs button{background:var(--brand);color:var(--brand-text);border:0;border-radius:6px;padding:.5rem 1rem;font:inherit;font-weight:600;cursor:pointer}
.saved{border-left:4px solid var(--brand);padding:.25rem .75rem}`;

export interface EmailPreferences {
  /** The kinds the program sends, each with the member's choice. */
  kinds: { kind: PreferenceKind; on: boolean }[];
  unsubscribed: boolean;
}

export async function readEmailPreferences(
  db: D1Database,
  programId: string,
  memberId: string,
): Promise<EmailPreferences> {
  const [settings, outs, unsub] = await db.batch([
    db.prepare(`SELECT ${PREFERENCE_KINDS.join(", ")} FROM email_settings WHERE program_id = ?`).bind(programId),
    db.prepare("SELECT kind FROM email_opt_outs WHERE member_id = ?").bind(memberId),
    db.prepare("SELECT 1 AS x FROM email_unsubscribes WHERE member_id = ?").bind(memberId),
  ]);
  const s = settings?.results[0] as Record<PreferenceKind, number> | undefined;
  const off = new Set((outs?.results ?? []).map((r) => (r as { kind: string }).kind));
  return {
    kinds: PREFERENCE_KINDS.filter((k) => s?.[k] !== 0).map((kind) => ({ kind, on: !off.has(kind) })),
    unsubscribed: (unsub?.results.length ?? 0) > 0,
  };
}

/** The section, for the portal page; `status` after a post (`?emails=saved`). */
export function renderEmailPreferences(
  lang: PageLanguage,
  action: string,
  prefs: EmailPreferences,
  status: "saved" | null,
): Markup {
  const w = WORDS[lang];
  return html`<section aria-labelledby="emails" class="prefs"><h2 id="emails">${w.heading}</h2>
${status === "saved" && html`<p class="saved" role="status">${w.saved}</p>`}
<form method="post" action="${action}">
<fieldset><legend>${w.intro}</legend>
${prefs.kinds.map(
  (k) =>
    html`<input type="hidden" name="shown" value="${k.kind}"><label><input type="checkbox" name="on" value="${k.kind}"${k.on ? html` checked` : ""}> ${w.kinds[k.kind]}</label>
`,
)}<label><input type="checkbox" name="none" value="1"${prefs.unsubscribed ? html` checked` : ""}> ${w.none}</label>
</fieldset>
<button type="submit">${w.save}</button>
</form>
</section>`;
}

/**
 * Saves a posted form for the member: of the kinds the form showed, those not ticked are opted out of (a kind
 * the program does not send was not shown and keeps the member's earlier choice); "none" unsubscribes, or not.
 */
export async function saveEmailPreferences(
  db: D1Database,
  programId: string,
  memberId: string,
  form: FormData,
  now = Date.now(),
): Promise<void> {
  const on = new Set(form.getAll("on").map(String));
  const shown = new Set(form.getAll("shown").map(String));
  const none = form.get("none") === "1";
  const kinds = PREFERENCE_KINDS.filter((k) => shown.has(k));
  const off = kinds.filter((k) => !on.has(k));
  await db.batch([
    ...kinds.map((kind) =>
      db.prepare("DELETE FROM email_opt_outs WHERE member_id = ? AND kind = ?").bind(memberId, kind),
    ),
    ...off.map((kind) =>
      db
        .prepare("INSERT INTO email_opt_outs (member_id, kind, program_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(memberId, kind, programId, now),
    ),
    none
      ? db
          .prepare(
            "INSERT INTO email_unsubscribes (member_id, program_id, created_at) VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING",
          )
          .bind(memberId, programId, now)
      : db.prepare("DELETE FROM email_unsubscribes WHERE member_id = ?").bind(memberId),
  ]);
}

/** A post whose `Origin` is another site's is refused (the cookie is SameSite=Lax; this is the second lock). */
export function refusedText(lang: PageLanguage): string {
  return WORDS[lang].refused;
}
