import { CLICK_ID_INPUT } from "./leads";
import { saveReferral, takeQueue } from "./storage";

/**
 * `vouch('consent', false)`: forgets everything the tracker wrote, the referral (cookie and localStorage),
 * the retry queue and the click id inputs of the page's forms.
 *
 * The gate itself (with `data-consent="required"` nothing is written or sent before consent; waiting work
 * lives only in this page's memory, so a code from the URL is not lost while the visitor reads the banner)
 * is a few closures in `createTracker`.
 */
export function forgetAll(domain: string | undefined): void {
  saveReferral(undefined, domain);
  takeQueue();
  for (const input of document.querySelectorAll(`input[name=${CLICK_ID_INPUT}]`)) input.remove();
}
