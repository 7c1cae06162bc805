import type { ApiClient, ApiErrorBody, ApiResult } from "./types";

const RETRY_DELAYS_MS = [400, 1500];

/**
 * Talks to the browser endpoints. The body goes as `text/plain` and the key in the query string, so every
 * call is a CORS "simple request": no preflight round trip on a customer's page.
 */
export function createApiClient(apiOrigin: string, publishableKey: string): ApiClient {
  const base = apiOrigin.replace(/\/+$/, "");

  async function post<T>(path: string, body: unknown, retries = 0): Promise<ApiResult<T>> {
    let attempt = 0;
    for (;;) {
      const result = await postOnce<T>(path, body);
      // Retry what a retry can fix (network, 5xx, rate limit); a 4xx answer will not change.
      const transient = !result.ok && (result.status === 0 || result.status === 429 || result.status >= 500);
      if (!transient || attempt >= retries) return result;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt] ?? 2000));
      attempt++;
    }
  }

  async function postOnce<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}?key=${encodeURIComponent(publishableKey)}`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify(body),
        credentials: "omit",
        keepalive: path.endsWith("/share"),
      });
    } catch (err) {
      return { ok: false, status: 0, error: { code: "network_error", message: String(err) } };
    }
    let json: unknown = null;
    try {
      json = await res.json();
    } catch {
      // A proxy's HTML error page, say: keep the status, report a generic error below.
    }
    if (res.ok) return { ok: true, status: res.status, data: json as T };
    const error = (json as { error?: ApiErrorBody } | null)?.error;
    return {
      ok: false,
      status: res.status,
      error:
        error && typeof error.code === "string"
          ? error
          : { code: "http_error", message: `The Vouch API answered ${res.status}.` },
    };
  }

  /** No member token (a suspended member gets none): nothing to record, so nothing is sent. */
  const withToken = <T>(memberToken: string, send: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> =>
    memberToken
      ? send()
      : Promise.resolve({ ok: false, status: 0, error: { code: "member_paused", message: "No member token." } });

  return {
    enrol: (identity) => post("/v1/members/me", identity, RETRY_DELAYS_MS.length),
    recordShare: (memberToken, channel) =>
      withToken(memberToken, () => post("/v1/track/share", { member_token: memberToken, channel }, 1)),
    submitLead: (memberToken, lead) =>
      withToken(memberToken, () => post("/v1/track/lead", { ...lead, member_token: memberToken })),
    recordMoment: (memberToken, moment) =>
      withToken(memberToken, () => post("/v1/track/moment", { member_token: memberToken, moment }, 1)),
    recordNudge: (memberToken, nudgeId, action) =>
      withToken(memberToken, () =>
        post("/v1/track/nudge", { member_token: memberToken, nudge_id: nudgeId, action }, 1),
      ),
  };
}
