import type { StoredReferral } from "./types";

export const REFERRAL_KEY = "vouch_ref";

const storage = () => localStorage;

/**
 * The stored referral: the cookie first (it is shared across sub-domains), then localStorage (it
 * outlives cleared cookies). An expired one counts as none. Storage that throws (blocked cookies,
 * private modes, sandboxed frames) means no storage, never an error on the page.
 *
 * A cookie the vendor's server set has no click id: lead capture keeps it in localStorage's copy of the
 * same referral (the same `ts`, see `referralAfterVisit`), which is then the one returned.
 */
export function loadReferral(): StoredReferral | undefined {
  try {
    for (const raw of [/(^|; )vouch_ref=([^;]+)/.exec(document.cookie)?.[2], storage().getItem(REFERRAL_KEY)]) {
      const referral = raw && (JSON.parse(decodeURIComponent(raw)) as StoredReferral);
      if (referral && referral.expires > Date.now()) {
        if (__LEAD__ && !__CONSENT__ && !referral.click_id) {
          const stored = JSON.parse(decodeURIComponent(storage().getItem(REFERRAL_KEY)!)) as StoredReferral | null;
          if (stored?.ts === referral.ts) return stored;
        }
        return referral;
      }
    }
  } catch {}
}

/**
 * Writes the referral to the cookie and localStorage, or clears both when there is none. A referral the
 * vendor's server set (`set_by: "server"`) only goes to localStorage: its cookie keeps the lifetime the
 * server gave it (Safari caps cookies written by script to 7 days).
 */
export function saveReferral(referral: StoredReferral | undefined, domain: string | undefined): void {
  const value = referral ? encodeURIComponent(JSON.stringify(referral)) : "";
  try {
    if (!(__LEAD__ && !__CONSENT__ && referral?.set_by)) {
      // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and missing in Firefox and older Safari.
      document.cookie = `vouch_ref=${value};path=/;max-age=${referral ? ((referral.expires - Date.now()) / 1000) | 0 : 0};samesite=lax${domain ? `;domain=${domain}` : ""}${location.protocol === "https:" ? ";secure" : ""}`;
    }
    value ? storage().setItem(REFERRAL_KEY, value) : storage().removeItem(REFERRAL_KEY);
  } catch {}
}

export const QUEUE_KEY = "vouch_queue";
/** Posts that failed wait here for the next page view; only the newest few are kept. */
export const QUEUE_LIMIT = 10;

/** One post to the API, as kept in the retry queue: `["visit", {...}]` or `["lead", {...}]`. */
export type Delivery = [path: string, body: object];

/** Empties the queue and returns what it held. */
export function takeQueue(): Delivery[] {
  try {
    const queued = JSON.parse(storage().getItem(QUEUE_KEY)!) || [];
    storage().removeItem(QUEUE_KEY);
    return queued;
  } catch {
    return [];
  }
}

/**
 * Adds a delivery to the queue, or removes it (`remove`). With lead capture a lead can be queued twice
 * (see `send`), so equal entries are merged.
 */
export function enqueue(delivery: Delivery, remove?: boolean): void {
  const rest = __LEAD__
    ? takeQueue().filter((queued) => JSON.stringify(queued) !== JSON.stringify(delivery))
    : takeQueue();
  const queue = __LEAD__ && remove ? rest : [...rest, delivery].slice(-QUEUE_LIMIT);
  try {
    if (queue[0]) storage().setItem(QUEUE_KEY, JSON.stringify(queue));
  } catch {}
}
