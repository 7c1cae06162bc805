/** The callout's strings. The panel's (many more) arrive with the panel chunk. */
export const CALLOUT_STRINGS: Record<string, Record<string, string>> = {
  en: { cta: "Refer & earn", launcherLabel: "Refer & earn: open the referral panel" },
  de: { cta: "Empfehlen & verdienen", launcherLabel: "Empfehlen & verdienen: Empfehlungsbereich öffnen" },
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
