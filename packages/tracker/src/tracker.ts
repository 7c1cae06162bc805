import { DEFAULT_PARAMS, readLanding, referralAfterVisit } from "./attribution";
import { forgetAll } from "./consent";
import { showGreeting } from "./greeting";
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

  // The consent gate. Consent is implied by a stored referral: nothing is stored without it, and
  // withdrawing clears it. `whenAllowed` runs work now if allowed, else keeps it in memory until consent is
  // granted. (`let` + `if` rather than ternaries: in a build without the feature the variables cost nothing.)
  let allowed: boolean | undefined;
  let waiting: (() => void)[];
  if (__CONSENT__) {
    allowed = config.consent !== "required" || !!loadReferral();
    waiting = [];
  }
  const whenAllowed = __CONSENT__
    ? (work: () => void) => (allowed ? work() : waiting.push(work))
    : (work: () => void) => work();

  /**
   * Posts without a CORS preflight: the key in the query string and a string body (sent as text/plain),
   * with `keepalive` so a post started as the page unloads (a form submit) still goes out. A network
   * failure, 5xx or 429 queues it for the next page view and resolves to nothing; any other answer is
   * final: the answer's body when it is a 2xx, else 0 (refused, e.g. an unknown code).
   *
   * A lead is queued before it is sent and removed once answered (an outbox): a sign-up form navigates
   * away at once, so this page may never see the answer. The next page view then sends it again, which
   * is harmless: the API treats the same email in a program as the same lead.
   *
   * Consent may be withdrawn while a post is in flight: its answer then stores and queues nothing.
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
        return response.ok ? response.json() : 0;
      })
      .then(
        (answer?: VisitResponse | 0) => {
          if (isLead) enqueue(delivery, true);
          // Only a visit's answer has a click id.
          if ((answer as VisitResponse | undefined)?.click_id && (!__CONSENT__ || allowed)) {
            const next = referralAfterVisit(loadReferral(), answer as VisitResponse, Date.now());
            if (next) saveReferral(next, config.domain);
            if (__LEAD__) markForms(landingCode);
          }
          return answer;
        },
        () => (!__CONSENT__ || allowed) && enqueue(delivery),
      )
      .catch(noop); // an odd answer must not surface as an unhandled rejection on the host page
  };

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
    const href = location.href;
    const landing = readLanding(href, config.params || DEFAULT_PARAMS);
    if (landing) {
      const [visit, clean] = landing;
      // As the API normalises it, so it compares with the stored code.
      if (__LEAD__) landingCode = visit.code.trim().toUpperCase();
      visit.landing_url = clean.slice(0, 2000);
      visit.referrer = document.referrer.slice(0, 2000);
      whenAllowed(() =>
        send(["visit", visit])
          .then((recorded) => {
            // Refused for good (an unknown code, e.g. `?ref=producthunt`, which is other tools' parameter
            // too): this visitor was not referred, so a sign-up on this page must not go to Vouch.
            if (__LEAD__ && recorded === 0) landingCode = "";
            if (__GREETING__ && recorded) showGreeting((recorded as VisitResponse).greeting?.text);
            // Clean the address bar (bookmarks and shared URLs should not carry the code) once the API has
            // recognised the code: `?ref=` is also other tools' parameter, and theirs must stay. Not if the
            // page has moved on meanwhile (an SPA route change), or its new URL would be overwritten.
            if (recorded && location.href === href) history.replaceState(history.state, "", clean);
          })
          .catch(noop),
      );
    }
    if (__LEAD__) captureLeadForms(lead!, () => markForms(landingCode));
  } catch {}

  if (!__LEAD__ && !__CONSENT__) return noop; // the base script has no commands
  return ((command: string, arg?: unknown) => {
    try {
      if (__LEAD__ && command === "lead") lead!(arg as LeadFields);
      // Granting runs what waited; withdrawing forgets everything.
      if (__CONSENT__ && command === "consent") {
        allowed = !!arg;
        for (const work of waiting.splice(0)) if (allowed) work();
        if (!allowed) forgetAll(config.domain);
      }
    } catch {}
  }) as VouchCommand;
}
