import { useRef, useState } from "preact/hooks";
import type { ApiErrorBody, CompanySize, LeadInput, LeadResponse, ReferralSummary } from "../types";
import { format, type PanelStrings } from "./strings";

/**
 * The API's company-size buckets, in the order the form offers them. A value here only, or one the API adds,
 * fails the type check, so the form offers exactly what `POST /v1/track/lead` accepts (types only: no zod in
 * the panel).
 */
const SIZE_OPTIONS: Record<CompanySize, true> = {
  "1-10": true,
  "11-50": true,
  "51-200": true,
  "201-1000": true,
  "1001+": true,
};
export const COMPANY_SIZES = Object.keys(SIZE_OPTIONS) as CompanySize[];

type FieldName = keyof LeadInput;
type Outcome = { kind: "success" | "error"; message: string } | null;

interface Props {
  t: PanelStrings;
  /** The program's name, for the thank-you. */
  program: string;
  submit(lead: LeadInput): Promise<{ ok: true; data: LeadResponse } | { ok: false; error: ApiErrorBody }>;
  onReferred(referral: ReferralSummary): void;
}

const EMPTY: Record<FieldName, string> = { name: "", email: "", company: "", role: "", size: "" };

/** Maps an API error to what the member reads: field errors under their fields, the rest above the button. */
export function describeLeadError(
  error: ApiErrorBody,
  t: PanelStrings,
): { fields: Partial<Record<FieldName, string>>; message?: string } {
  switch (error.code) {
    case "self_referral": {
      const reason = (error.details as { reason?: string } | undefined)?.reason;
      return { fields: {}, message: reason === "same_domain" ? t.errorSameDomain : t.errorSelf };
    }
    case "validation_failed": {
      const fields: Partial<Record<FieldName, string>> = {};
      const details = Array.isArray(error.details) ? (error.details as { path?: string; message?: string }[]) : [];
      for (const issue of details) {
        const field = issue.path as FieldName;
        if (field === "email") fields.email = t.errorEmail;
        else if (field in EMPTY) fields[field] = String(issue.message ?? t.errorGeneric);
      }
      return Object.keys(fields).length > 0 ? { fields } : { fields, message: t.errorGeneric };
    }
    case "network_error":
      return { fields: {}, message: t.errorNetwork };
    case "rate_limited":
      return { fields: {}, message: t.errorRateLimited };
    default:
      return { fields: {}, message: t.errorGeneric };
  }
}

let localIds = 0;

export function PeerForm({ t, program, submit, onReferred }: Props) {
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const update = (name: FieldName) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setValues((v) => ({ ...v, [name]: value }));
  };

  function focusField(name: FieldName) {
    (form.current?.querySelector(`[name="${name}"]`) as HTMLElement | null)?.focus();
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    setOutcome(null);
    if (!values.email.trim()) {
      setErrors({ email: t.errorRequired });
      focusField("email");
      return;
    }
    setErrors({});
    setSending(true);
    const lead: LeadInput = { email: values.email.trim() };
    for (const key of ["name", "company", "role"] as const) if (values[key].trim()) lead[key] = values[key].trim();
    if (values.size) lead.size = values.size as CompanySize; // the select offers COMPANY_SIZES only
    const result = await submit(lead);
    setSending(false);
    if (result.ok) {
      // The API answers a new friend, one already referred and one a fraud rule stops alike (202 accepted), so
      // nobody can probe who is a customer: thank the member without claiming the friend is new.
      const who = lead.name ?? lead.email;
      setOutcome({ kind: "success", message: format(t.leadAccepted, { who, program }) });
      setValues(EMPTY);
      // Shown as a lead until the next enrolment brings the API's own list.
      onReferred({
        id: `local-${Date.now().toString(36)}-${++localIds}`,
        name: who,
        company: lead.company ?? null,
        status: "lead",
        created_at: new Date().toISOString(),
      });
      return;
    }
    const described = describeLeadError(result.error, t);
    setErrors(described.fields);
    if (described.message) setOutcome({ kind: "error", message: described.message });
    const firstInvalid = (Object.keys(EMPTY) as FieldName[]).find((f) => described.fields[f]);
    if (firstInvalid) focusField(firstInvalid);
  }

  const field = (name: FieldName, label: string, type = "text", required = false) => (
    <div class="field">
      <label for={`vouch-peer-${name}`}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      <input
        id={`vouch-peer-${name}`}
        name={name}
        type={type}
        value={values[name]}
        onInput={update(name)}
        required={required}
        aria-required={required ? "true" : undefined}
        aria-invalid={errors[name] ? "true" : undefined}
        aria-describedby={errors[name] ? `vouch-peer-${name}-error` : undefined}
        autocomplete="off"
      />
      {errors[name] && (
        <p class="field-error" id={`vouch-peer-${name}-error`}>
          {errors[name]}
        </p>
      )}
    </div>
  );

  return (
    <section aria-labelledby="vouch-peer-heading">
      <h3 id="vouch-peer-heading">{t.peerHeading}</h3>
      <p class="muted">{t.peerIntro}</p>
      <form ref={form} class="peer-form" noValidate onSubmit={onSubmit}>
        <div class="grid">
          {field("name", t.fieldName)}
          {field("email", t.fieldEmail, "email", true)}
          {field("company", t.fieldCompany)}
          {field("role", t.fieldRole)}
        </div>
        <div class="field">
          <label for="vouch-peer-size">{t.fieldSize}</label>
          <select id="vouch-peer-size" name="size" value={values.size} onChange={update("size")}>
            <option value="">{t.sizeUnknown}</option>
            {COMPANY_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
        {/* Two live regions, never one that changes role as it fills: the polite status region is always in
            the DOM (so its updates are announced); an alert is announced as it is inserted. */}
        <div class="outcome" role="status">
          {outcome?.kind === "success" && <p class="notice success">{outcome.message}</p>}
        </div>
        {outcome?.kind === "error" && (
          <div class="outcome" role="alert">
            <p class="notice error">{outcome.message}</p>
          </div>
        )}
        <button type="submit" class="primary" aria-disabled={sending ? "true" : undefined}>
          {sending ? t.submitting : t.submit}
        </button>
      </form>
    </section>
  );
}
