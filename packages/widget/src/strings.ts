/**
 * What a suspended member reads, in the callout and in the panel (both import it, so each bundle holds it once).
 * `{program}` is the program's name.
 */
export const PAUSED_STRINGS = {
  en: {
    paused: "Your referral link is paused for now. Questions? Please contact the {program} team.",
    pausedCta: "View your referrals",
  },
  de: {
    paused: "Ihr Empfehlungslink ist derzeit pausiert. Fragen? Wenden Sie sich bitte an das {program}-Team.",
    pausedCta: "Ihre Empfehlungen ansehen",
  },
} satisfies Record<string, { paused: string; pausedCta: string }>;

/** The callout's strings. The panel's (many more) arrive with the panel chunk. */
export const CALLOUT_STRINGS: Record<string, Record<string, string>> = {
  en: {
    cta: "Refer & earn",
    launcherLabel: "Refer & earn: open the referral panel",
    nudgeCta: "Refer a team",
    nudgeDismiss: "Dismiss",
    nudgeLabel: "Referral suggestion",
    ...PAUSED_STRINGS.en,
  },
  de: {
    cta: "Empfehlen & verdienen",
    launcherLabel: "Empfehlen & verdienen: Empfehlungsbereich öffnen",
    nudgeCta: "Team empfehlen",
    nudgeDismiss: "Schließen",
    nudgeLabel: "Empfehlungshinweis",
    ...PAUSED_STRINGS.de,
  },
};

export const SUPPORTED_LOCALES = ["en", "de"];

/** `de-AT` → `de`; anything unsupported → `en`. */
export function resolveLocale(...candidates: (string | null | undefined)[]): string {
  for (const candidate of candidates) {
    const base = candidate?.toLowerCase().split(/[-_]/)[0];
    if (base && SUPPORTED_LOCALES.includes(base)) return base;
  }
  return "en";
}
