import { loadReferral } from "./storage";
import type { LeadFields, LeadInput } from "./types";

/** The hidden input a marked form gets, so a server-side sign-up can pass the click id to /v1/conversions. */
export const CLICK_ID_INPUT = "vouch_click_id";

/** Puts the stored click id into the form's `vouch_click_id` input, adding the input if needed. */
export function markForm(form: Element): void {
  const clickId = loadReferral()?.click_id;
  if (!clickId) return;
  let input = form.querySelector<HTMLInputElement>(`input[name=${CLICK_ID_INPUT}]`);
  if (!input) {
    input = form.appendChild(document.createElement("input"));
    input.type = "hidden";
    input.name = CLICK_ID_INPUT;
  }
  input.value = clickId;
}

export function markForms(): void {
  for (const form of document.querySelectorAll("form[data-vouch-lead]")) markForm(form);
}

/**
 * The lead to post, or nothing without an email or a referral. A code typed into the form is the
 * visitor's own word and beats the stored one; the click id only goes along when it belongs to that code.
 * `landingCode` (this page's URL code) covers a sign-up sent before the visit's answer is stored.
 */
export function leadBody(fields: LeadFields, landingCode?: string): LeadInput | undefined {
  const referral = loadReferral();
  const code = fields.code?.trim().toUpperCase() || referral?.code || landingCode;
  if (!fields.email || !code) return;
  const body: LeadInput = { ...fields, code };
  if (referral?.code === code) body.click_id = referral.click_id;
  return body;
}

/** The lead fields of a form, read by input name. */
export function formFields(form: HTMLFormElement): LeadFields {
  const data = new FormData(form);
  const field = (name: string) => (data.get(name) as string | null)?.trim() || undefined;
  return {
    email: field("email")!,
    name: field("name"),
    company: field("company"),
    role: field("role"),
    size: field("size"),
    code: field("referral_code"),
  };
}

/**
 * Captures marked forms. Capture phase: runs before the page's own submit handlers (so an SPA that posts
 * FormData itself still gets the click id), never cancels the submit, and covers forms rendered later.
 */
export function captureLeadForms(lead: (fields: LeadFields) => void): void {
  document.addEventListener(
    "submit",
    (event) => {
      try {
        const form = event.target as HTMLFormElement;
        if (!form.hasAttribute("data-vouch-lead")) return;
        markForm(form);
        lead(formFields(form));
      } catch {}
    },
    true,
  );
  document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", markForms) : markForms();
}
