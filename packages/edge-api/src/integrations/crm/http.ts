/**
 * One HTTP call to a CRM, with what the retry logic needs from the answer: the status, the parsed body, and how
 * long the CRM asked us to wait (HubSpot: `Retry-After` or its `X-HubSpot-RateLimit-Interval-Milliseconds`
 * window; Salesforce: `Retry-After` when it sends one). Network failures and timeouts are a status of 0.
 */
export interface CrmAnswer {
  status: number;
  body: unknown;
  text: string;
  retryAfterS?: number;
}

export const CRM_TIMEOUT_MS = 15_000;

export async function call(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<CrmAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(CRM_TIMEOUT_MS),
    });
  } catch (err) {
    return { status: 0, body: null, text: err instanceof Error ? err.message : String(err) };
  }
  const text = await res.text().catch(() => "");
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  const retryAfter = Number(res.headers.get("retry-after"));
  const windowMs = Number(res.headers.get("x-hubspot-ratelimit-interval-milliseconds"));
  const retryAfterS =
    Number.isFinite(retryAfter) && retryAfter > 0
      ? Math.ceil(retryAfter)
      : res.status === 429 && Number.isFinite(windowMs) && windowMs > 0
        ? Math.ceil(windowMs / 1000)
        : undefined;
  return { status: res.status, body, text: text.slice(0, 500), ...(retryAfterS ? { retryAfterS } : {}) };
}

/** A failure the consumer handles: `retry` false means trying again cannot help (bad credentials, a 400). */
export class SyncFailure extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retry: boolean,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = "SyncFailure";
  }
}

/** 429, 5xx and network failures are worth another try; other 4xx are not. */
export function failure(what: string, a: CrmAnswer): SyncFailure {
  const retry = a.status === 0 || a.status === 429 || a.status >= 500;
  return new SyncFailure(
    `${what}: ${a.status || "no answer"} ${a.text}`.trim(),
    a.status || null,
    retry,
    a.retryAfterS,
  );
}
