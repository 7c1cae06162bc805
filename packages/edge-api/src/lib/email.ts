/**
 * Email addresses as the same person: lower case, no `+tag`, and for Gmail no dots and one domain
 * (`Pat.Smith+promo@googlemail.com` → `patsmith@gmail.com`). Used for duplicate and self-referral checks,
 * never to rewrite what is shown or stored as the address. Migration 0004 normalises old rows the same way.
 */
const GMAIL = new Set(["gmail.com", "googlemail.com"]);

export function emailKey(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at <= 0) return lower;
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL.has(domain)) {
    local = local.replace(/\./g, "");
    domain = "gmail.com";
  }
  return `${local}@${domain}`;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** Personal-mail domains: two people on gmail.com are not the same company. */
export const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.de",
  "web.de",
  "yandex.com",
  "zoho.com",
  "mail.com",
  "fastmail.com",
  "hey.com",
]);
