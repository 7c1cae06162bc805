import { loadReferral } from "./storage";
import type { LeadFields, LeadInput, StoredReferral } from "./types";

/** The hidden input a marked form gets, so a server-side sign-up can pass the click id to /v1/conversions. */
export const CLICK_ID_INPUT = "vouch_click_id";

const FORMS = "form[data-vouch-lead]";

/** What a lead may carry from the page: `vouch('lead', obj)` sends these and nothing else of `obj`. */
const LEAD_FIELDS = ["email", "name", "company", "role", "size", "code"] as const;

/**
 * The referral a sign-up on this page belongs to: the stored one, unless the program is last click and
 * this page's own link (`landingCode`, until the visit's answer replaces the stored referral) names
 * another code. Then the stored click id is the previous referrer's and must not go along.
 */
export function currentReferral(landingCode?: string): StoredReferral | undefined {
  const referral = loadReferral();
  if (!landingCode || referral?.model !== "last" || referral.code === landingCode) return referral;
}

/** Puts the click id into the `vouch_click_id` input of every marked form, adding the input if needed. */
export function markForms(landingCode?: string): void {
  const clickId = currentReferral(landingCode)?.click_id;
  if (!clickId) return;
  for (const form of document.querySelectorAll(FORMS)) {
    let input = form.querySelector<HTMLInputElement>(`input[name=${CLICK_ID_INPUT}]`);
    if (!input) {
      input = form.appendChild(document.createElement("input"));
      input.type = "hidden";
      input.name = CLICK_ID_INPUT;
    }
    input.value = clickId;
  }
}

/**
 * The lead to post, or nothing without an email or a referral. Only the lead fields go, trimmed, whatever
 * else the object carries. A code typed into the form is the visitor's own word and beats the stored one;
 * the click id only goes along when it belongs to that code. `landingCode` (this page's URL code) covers a
 * sign-up sent before the visit's answer is stored.
 */
export function leadBody(fields: LeadFields, landingCode?: string): LeadInput | undefined {
  const referral = currentReferral(landingCode);
  const body = {} as LeadInput;
  for (const name of LEAD_FIELDS) (body as Record<string, unknown>)[name] = fields[name]?.trim() || undefined;
  body.code = body.code?.toUpperCase() || referral?.code || landingCode;
  if (!body.email || !body.code) return;
  if (referral?.code === body.code) body.click_id = referral.click_id;
  return body;
}

/**
 * Captures marked forms. Capture phase: runs before the page's own submit handlers (so an SPA that posts
 * FormData itself still gets the click id), never cancels the submit, and covers forms rendered later.
 * `mark` fills the click id inputs (`markForms` with this page's landing code).
 */
export function captureLeadForms(lead: (fields: LeadFields) => void, mark: () => void): void {
  document.addEventListener(
    "submit",
    (event) => {
      try {
        const form = event.target as HTMLFormElement;
        if (form.matches(FORMS)) {
          mark();
          // Read by input name; `leadBody` keeps only the lead fields. The code comes from `referral_code`.
          const fields = Object.fromEntries(new FormData(form)) as LeadFields & { referral_code?: string };
          fields.code = fields.referral_code;
          lead(fields);
        }
      } catch {}
    },
    true,
  );
  // Now for what is parsed, and again once the whole document is (the event never comes if it already has).
  mark();
  document.addEventListener("DOMContentLoaded", mark);
}
