/**
 * Money is integer minor units plus an ISO 4217 code. These helpers convert for people: what they type
 * ("49.50") and what they read ("$49.50", "$100"). English formatting, like the rest of the API's text.
 */

const LOCALE = "en-US";

/** Decimals of the currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `10000, "USD"` → "$100" (whole amounts drop ".00"), `9950` → "$99.50", `5000, "JPY"` → "¥5,000". */
export function formatMoney(minor: number, currency: string): string {
  const major = minor / 10 ** minorDigits(currency);
  const whole = Number.isInteger(major) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency, ...whole }).format(major);
}

/**
 * A positive amount in major units as a person types it ("100", "49.50") → minor units, exactly (no floats).
 * Throws an `Error` whose message says what to type instead.
 */
export function toMinorUnits(text: string, currency: string): number {
  const digits = minorDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(text.trim());
  if (!match) {
    const example = digits === 0 ? "500" : "100 or 49.50";
    throw new Error(`"${text}" is not an amount. Type a plain number of ${currency}, like ${example}.`);
  }
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) {
    throw new Error(
      digits === 0
        ? `${currency} has no cents: type a whole number instead of "${text}".`
        : `${currency} has ${digits} decimals: "${text}" has more.`,
    );
  }
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (minor <= 0) throw new Error(`"${text}" is not more than zero. Leave the flag out for no reward.`);
  return minor;
}

/** Minor units as the plain decimal string payment APIs take: `12345, "USD"` → "123.45", `500, "JPY"` → "500". */
export function toDecimalString(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, "0")}`;
}
