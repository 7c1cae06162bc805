/** Answers worth another try: rate limited, or the server failed. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export interface RetryPolicy {
  /** Tries after the first. Default 2. */
  maxRetries: number;
  /** The first backoff; it doubles per try, with full jitter. Default 500 ms. */
  baseDelayMs: number;
  /** Longest wait, backoff or `Retry-After`; a longer `Retry-After` is not waited for. Default 10 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * How long to wait before retry number `attempt` (0 = the first retry), or `undefined` to give up: the
 * server's `Retry-After` when it sent one (if not longer than `maxDelayMs`), else exponential backoff with
 * full jitter (AWS's "Exponential Backoff And Jitter"), so many clients do not retry in step.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterS: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxRetries) return undefined;
  if (retryAfterS !== undefined) {
    const ms = retryAfterS * 1000;
    return ms <= policy.maxDelayMs ? ms : undefined;
  }
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}
