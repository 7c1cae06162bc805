import { DEFAULT_PARAMS, readLanding, referralAfterVisit } from "./attribution";
import { type ConsentGate, consentGate } from "./consent";
import { captureLeadForms, leadBody, markForms } from "./leads";
import { type Delivery, enqueue, loadReferral, saveReferral, takeQueue } from "./storage";
import type { LeadFields, TrackerConfig, VisitResponse, VouchCommand } from "./types";

const noop = () => {};

/**
 * Starts the tracker on this page: resends what a previous page could not deliver, records a referral
 * visit if the URL carries a code, and returns the `vouch()` command function. Never throws.
 */
export function createTracker(config: TrackerConfig): VouchCommand {
  // A variant without the consent gate must not track a page that asked for one: it stays idle instead.
  if (!__CONSENT__ && config.consent === "required") return noop;
  const api = config.api.replace(/\/$/, "");

  /**
   * Posts without a CORS preflight: the key in the query string and a string body (sent as text/plain),
   * with `keepalive` so a post started as the page unloads (a form submit) still goes out. A network
   * failure, 5xx or 429 queues it for the next page view; any other answer is final.
   *
   * A lead is queued before it is sent and removed once answered (an outbox): a sign-up form navigates
   * away at once, so this page may never see the answer. The next page view then sends it again, which
   * is harmless: the API treats the same email in a program as the same lead.
   */
  const send = (delivery: Delivery) => {
    const isLead = __LEAD__ && delivery[0] === "lead";
    if (isLead) enqueue(delivery);
    return fetch(`${api}/v1/track/${delivery[0]}?key=${config.key}`, {
      method: "POST",
      body: JSON.stringify(delivery[1]),
      keepalive: true,
    })
      .then((response) => {
        if (response.status > 499 || response.status === 429) throw 0;
        if (response.ok) return response.json();
      })
      .then(
        (answer?: VisitResponse) => {
          if (isLead) enqueue(delivery, true);
          // Only a visit's answer has a click id.
          if (answer?.click_id) {
            const next = referralAfterVisit(loadReferral(), answer, Date.now());
            if (next) saveReferral(next, config.domain);
            if (__LEAD__) markForms();
          }
          return answer;
        },
        () => enqueue(delivery),
      )
      .catch(noop); // an odd answer must not surface as an unhandled rejection on the host page
  };

  // Consent is implied by a stored referral: nothing is stored without it, and withdrawing clears it.
  // (`let` + `if` rather than ternaries: in a build without the feature the variable costs nothing.)
  let gate: ConsentGate | undefined;
  if (__CONSENT__) gate = consentGate(config.consent !== "required" || !!loadReferral());
  const whenAllowed = __CONSENT__ ? gate!.whenAllowed : (work: () => void) => work();
  let landingCode: string | undefined;
  let lead: ((fields: LeadFields) => void) | undefined;
  if (__LEAD__) {
    lead = (fields) =>
      whenAllowed(() => {
        const body = leadBody(fields, landingCode);
        if (body) send(["lead", body]);
      });
  }

  try {
    whenAllowed(() => {
      for (const delivery of takeQueue()) send(delivery);
    });
    const landing = readLanding(location.href, config.params || DEFAULT_PARAMS);
    if (landing) {
      const [visit, clean] = landing;
      const href = location.href;
      if (__LEAD__) landingCode = visit.code;
      visit.landing_url = clean.slice(0, 2000);
      visit.referrer = document.referrer.slice(0, 2000);
      whenAllowed(() =>
        send(["visit", visit])
          .then((recorded) => {
            // Clean the address bar (bookmarks and shared URLs should not carry the code) once the API has
            // recognised the code: `?ref=` is also other tools' parameter, and theirs must stay. Not if the
            // page has moved on meanwhile (an SPA route change), or its new URL would be overwritten.
            if (recorded && location.href === href) history.replaceState(history.state, "", clean);
          })
          .catch(noop),
      );
    }
    if (__LEAD__) captureLeadForms(lead!);
  } catch {}

  return ((command: string, arg?: unknown) => {
    try {
      if (__LEAD__ && command === "lead") lead!(arg as LeadFields);
      if (__CONSENT__ && command === "consent") gate!.setConsent(!!arg, config.domain);
    } catch {}
  }) as VouchCommand;
}
