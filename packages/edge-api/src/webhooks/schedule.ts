/**
 * When a failed delivery is tried again: exponential backoff, then twice a day, for more than 3 days in all
 * (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then 12 h four times: 75.6 h before jitter), each delay stretched
 * by up to 10 % at random so endpoints recovering from an outage are not hit by every sender at once. A delay
 * never exceeds 12 h, the longest a Cloudflare Queue holds a message back.
 */
export const RETRY_DELAYS_S = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000, 43_200, 43_200, 43_200, 43_200] as const;
export const MAX_QUEUE_DELAY_S = 43_200;
/** One first try plus every retry. */
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;
/** An endpoint that has failed every attempt for this long is disabled (and the program told, in the audit log). */
export const DISABLE_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
/** How long an attempt may take, answer included. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/** Seconds until attempt `attempts + 1`, after `attempts` failures; null when there is none left. */
export function retryDelaySeconds(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_S[attempts - 1];
  if (base === undefined) return null;
  return Math.min(MAX_QUEUE_DELAY_S, Math.round(base * (1 + 0.1 * random())));
}
