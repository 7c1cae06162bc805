import { toDecimalString } from "../../lib/money";
import {
  type FailureCode,
  networkRetry,
  type PayoutOrder,
  type PayoutProvider,
  PROVIDER_TIMEOUT_MS,
  retryAfter,
  type SendAnswer,
  type StatusAnswer,
} from "./types";

/**
 * PayPal Payouts (https://developer.paypal.com/docs/api/payments.payouts-batch/v1/), one payout per batch:
 *
 * - `POST /v1/oauth2/token` (Basic client id:secret, `grant_type=client_credentials`) → `{ access_token, expires_in }`,
 *   kept until a minute before it expires; a 401 later drops it and asks again once.
 * - `POST /v1/payments/payouts` with `sender_batch_header.sender_batch_id` = our payout id (PayPal refuses a
 *   `sender_batch_id` used in the last 30 days, and says a 5xx may be retried with the same one) and the same id as
 *   `PayPal-Request-Id` → 201 `{ batch_header: { payout_batch_id, batch_status: "PENDING" } }`.
 *   A repeat is refused (400 `USER_BUSINESS_ERROR`, "sender_batch_id … already exists", with a link to the original):
 *   that is our own earlier send, so the original's id is taken from the link. `INSUFFICIENT_FUNDS` (422) and a
 *   receiver PayPal will not pay are final; 429 and 5xx are retried.
 * - `GET /v1/payments/payouts/{payout_batch_id}` → the item's `transaction_status`: SUCCESS is paid; FAILED, RETURNED,
 *   BLOCKED, REFUNDED, REVERSED (or a DENIED / CANCELED batch) failed; PENDING, UNCLAIMED, ONHOLD … still processing.
 *   (UNCLAIMED: the receiver has no PayPal account yet; PayPal returns the money after 30 days unclaimed.)
 */
export interface PayPalConfig {
  clientId: string;
  clientSecret: string;
  /** https://api-m.paypal.com, or https://api-m.sandbox.paypal.com. */
  baseUrl: string;
}

interface PayPalError {
  name?: string;
  message?: string;
  details?: { field?: string; issue?: string; description?: string }[];
  links?: { href?: string; rel?: string }[];
}

const tokens = new Map<string, { token: string; until: number }>();

const FAILED_ITEM = new Set(["FAILED", "RETURNED", "BLOCKED", "REFUNDED", "REVERSED"]);
const RECIPIENT_ERRORS = new Set([
  "RECEIVER_UNREGISTERED",
  "RECEIVER_UNCONFIRMED",
  "RECEIVER_ACCOUNT_LOCKED",
  "RECEIVER_COUNTRY_NOT_ALLOWED",
  "RECEIVER_YOUTH_ACCOUNT",
  "INVALID_EMAIL",
  "REGULATORY_BLOCKED",
]);

export function paypalProvider(config: PayPalConfig): PayoutProvider {
  const base = config.baseUrl.replace(/\/$/, "");
  const cacheKey = `${base} ${config.clientId}`;

  async function token(fresh: boolean): Promise<string | SendAnswer> {
    const cached = tokens.get(cacheKey);
    if (!fresh && cached && cached.until > Date.now()) return cached.token;
    let res: Response;
    try {
      res = await fetch(`${base}/v1/oauth2/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${config.clientId}:${config.clientSecret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      return networkRetry(err);
    }
    const body = (await res.json().catch(() => null)) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    } | null;
    if (res.ok && body?.access_token) {
      const until = Date.now() + Math.max(0, (body.expires_in ?? 0) - 60) * 1000;
      tokens.set(cacheKey, { token: body.access_token, until });
      return body.access_token;
    }
    const error = `PayPal token: ${body?.error ?? res.status} ${body?.error_description ?? ""}`.trim();
    if (res.status === 429 || res.status >= 500)
      return { kind: "retry", status: res.status, error, ...retryAfter(res) };
    return { kind: "failed", code: "not_configured", status: res.status, error };
  }

  /** One authorised call; a 401 drops the token and tries once more with a new one. */
  async function call(path: string, init: RequestInit): Promise<Response | SendAnswer> {
    for (const fresh of [false, true]) {
      const t = await token(fresh);
      if (typeof t !== "string") return t;
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            authorization: `Bearer ${t}`,
            accept: "application/json",
          },
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        });
      } catch (err) {
        return networkRetry(err);
      }
      if (res.status !== 401 || fresh) return res;
      tokens.delete(cacheKey);
    }
    return { kind: "retry", status: 401, error: "PayPal refused a new token" };
  }

  return {
    method: "paypal",
    async send(order: PayoutOrder): Promise<SendAnswer> {
      const res = await call("/v1/payments/payouts", {
        method: "POST",
        headers: { "content-type": "application/json", "paypal-request-id": order.payoutId },
        body: JSON.stringify({
          sender_batch_header: {
            sender_batch_id: order.payoutId,
            recipient_type: "EMAIL",
            email_subject: `${order.programName}: your referral reward`.slice(0, 255),
            email_message: order.note.slice(0, 1000),
          },
          items: [
            {
              recipient_type: "EMAIL",
              amount: { value: toDecimalString(order.amount, order.currency), currency: order.currency },
              note: order.note.slice(0, 1000),
              sender_item_id: order.payoutId,
              receiver: order.recipient.email,
            },
          ],
        }),
      });
      if (!(res instanceof Response)) return res;
      const body = (await res.json().catch(() => null)) as
        | ({ batch_header?: { payout_batch_id?: string; batch_status?: string } } & PayPalError)
        | null;
      if (res.ok && body?.batch_header?.payout_batch_id) {
        const status = body.batch_header.batch_status ?? "PENDING";
        if (status === "DENIED" || status === "CANCELED") {
          return { kind: "failed", code: "rejected", status: res.status, error: `PayPal batch ${status}` };
        }
        return {
          kind: "accepted",
          providerId: body.batch_header.payout_batch_id,
          providerStatus: status,
          // A SUCCESS batch can still hold an UNCLAIMED or FAILED item: only the item's status (`status`) says paid.
          paid: false,
        };
      }
      return refusal(res, body);
    },

    async status({ providerId }): Promise<StatusAnswer> {
      const res = await call(`/v1/payments/payouts/${encodeURIComponent(providerId)}`, { method: "GET" });
      if (!(res instanceof Response)) {
        return res.kind === "failed"
          ? { kind: "retry", status: res.status, error: res.error }
          : { kind: "retry", status: res.kind === "retry" ? res.status : null, error: "PayPal" };
      }
      const body = (await res.json().catch(() => null)) as {
        batch_header?: { batch_status?: string };
        items?: { transaction_status?: string; errors?: { name?: string; message?: string } }[];
      } | null;
      if (!res.ok || !body?.batch_header) {
        return { kind: "retry", status: res.status, error: `PayPal answered ${res.status} for the payout's status` };
      }
      const batch = body.batch_header.batch_status ?? "PENDING";
      const item = body.items?.[0];
      const itemStatus = item?.transaction_status;
      if (itemStatus === "SUCCESS") return { kind: "paid", providerStatus: itemStatus };
      if ((itemStatus && FAILED_ITEM.has(itemStatus)) || batch === "DENIED" || batch === "CANCELED") {
        const name = item?.errors?.name ?? "";
        const code: FailureCode = RECIPIENT_ERRORS.has(name)
          ? "invalid_recipient"
          : itemStatus === "RETURNED" || itemStatus === "REFUNDED" || itemStatus === "REVERSED"
            ? "returned"
            : "rejected";
        return {
          kind: "failed",
          code,
          providerStatus: itemStatus ?? batch,
          error: `PayPal ${itemStatus ?? batch}${name ? `: ${name}` : ""}${item?.errors?.message ? ` (${item.errors.message})` : ""}`,
        };
      }
      return { kind: "processing", providerStatus: itemStatus ?? batch };
    },
  };
}

/** A refused create: our own earlier batch (a duplicate `sender_batch_id`), final, or worth retrying. */
function refusal(res: Response, body: PayPalError | null): SendAnswer {
  const name = body?.name ?? String(res.status);
  const error = `PayPal ${name}: ${body?.message ?? res.statusText}`.slice(0, 500);
  if (res.status === 429 || res.status >= 500) return { kind: "retry", status: res.status, error, ...retryAfter(res) };
  const duplicate = body?.details?.some((d) => /sender_batch_id/i.test(`${d.field ?? ""} ${d.issue ?? ""}`));
  if (duplicate) {
    const original = body?.links?.find((l) => /\/v1\/payments\/payouts\/[^/?]+/.test(l.href ?? ""))?.href;
    const id = original ? /\/v1\/payments\/payouts\/([^/?]+)/.exec(original)?.[1] : undefined;
    if (id) return { kind: "accepted", providerId: decodeURIComponent(id), providerStatus: "PENDING", paid: false };
    return { kind: "failed", code: "duplicate", status: res.status, error };
  }
  if (name === "INSUFFICIENT_FUNDS") return { kind: "failed", code: "insufficient_funds", status: res.status, error };
  const recipient =
    RECIPIENT_ERRORS.has(name) || body?.details?.some((d) => /receiver/i.test(`${d.field ?? ""} ${d.issue ?? ""}`));
  return { kind: "failed", code: recipient ? "invalid_recipient" : "rejected", status: res.status, error };
}
