import { CLICK_ID_INPUT } from "./leads";
import { QUEUE_KEY, saveReferral } from "./storage";

export interface ConsentGate {
  /** Runs `work` now if allowed, else keeps it in memory until consent is granted. */
  whenAllowed(work: () => void): void;
  /** `vouch('consent', granted)`: granting runs what waited; withdrawing forgets everything. */
  setConsent(granted: boolean, domain: string | undefined): void;
}

/**
 * With `data-consent="required"` nothing is written or sent before consent. Waiting work lives only in
 * this page's memory, so a code from the URL is not lost while the visitor reads the banner.
 */
export function consentGate(allowed: boolean): ConsentGate {
  let waiting: (() => void)[] = [];
  return {
    whenAllowed: (work) => (allowed ? work() : waiting.push(work)),
    setConsent(granted, domain) {
      allowed = granted;
      if (granted) for (const work of waiting.splice(0)) work();
      else {
        waiting = [];
        saveReferral(undefined, domain);
        try {
          localStorage.removeItem(QUEUE_KEY);
        } catch {}
        for (const input of document.querySelectorAll(`input[name=${CLICK_ID_INPUT}]`)) input.remove();
      }
    },
  };
}
