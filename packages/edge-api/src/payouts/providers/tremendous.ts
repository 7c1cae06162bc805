import { minorDigits } from "../../lib/money";
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
 * Tremendous gift cards (https://developers.tremendous.com/reference/create-order), the provider Dub pays with:
 *
 * - `POST /api/v2/orders` with `Authorization: Bearer <key>` and `{ external_id, payment: { funding_source_id:
 *   "balance" }, reward: { value: { denomination, currency_code }, delivery: { method: "EMAIL" }, recipient: { name,
 *   email }, products | campaign_id } }`. `external_id` is our payout id: Tremendous makes an order idempotent by it
 *   (a repeat answers 201 with the original order and creates nothing).
 * - The order's `status`: EXECUTED means paid ("payment has been handled and rewards are being delivered"); FAILED
 *   and CANCELED failed; CART and PENDING APPROVAL (the account's approval flow) are still processing, asked again
 *   with `GET /api/v2/orders/{id}`.
 * - Errors are `{ errors: { message, payload } }`: 402 or a funds message is insufficient funds, a `recipient`
 *   payload an invalid recipient (final); 429 and 5xx are retried.
 */
export interface TremendousConfig {
  apiKey: string;
  /** https://www.tremendous.com/api/v2, or https://testflight.tremendous.com/api/v2 (sandbox). */
  baseUrl: string;
}

interface TremendousOrder {
  id?: string;
  status?: string;
}

function orderAnswer(order: TremendousOrder): StatusAnswer {
  const status = order.status ?? "CART";
  if (status === "EXECUTED") return { kind: "paid", providerStatus: status };
  if (status === "FAILED" || status === "CANCELED") {
    return { kind: "failed", code: "rejected", providerStatus: status, error: `Tremendous order ${status}` };
  }
  return { kind: "processing", providerStatus: status };
}

function failure(res: Response, body: { errors?: { message?: string; payload?: unknown } } | null): SendAnswer {
  const message = body?.errors?.message ?? res.statusText;
  const error = `Tremendous ${res.status}: ${message}`.slice(0, 500);
  if (res.status === 429 || res.status >= 500) return { kind: "retry", status: res.status, error, ...retryAfter(res) };
  const payload = JSON.stringify(body?.errors?.payload ?? {});
  const code: FailureCode =
    res.status === 402 || /insufficient|funds/i.test(message)
      ? "insufficient_funds"
      : res.status === 401 || res.status === 403
        ? "not_configured"
        : /recipient/i.test(payload)
          ? "invalid_recipient"
          : "rejected";
  return { kind: "failed", code, status: res.status, error };
}

export function tremendousProvider(config: TremendousConfig): PayoutProvider {
  const base = config.baseUrl.replace(/\/$/, "");
  const headers = { authorization: `Bearer ${config.apiKey}`, accept: "application/json" };
  return {
    method: "tremendous",
    async send(order: PayoutOrder): Promise<SendAnswer> {
      const denomination = order.amount / 10 ** minorDigits(order.currency);
      const choice = order.tremendous?.campaignId
        ? { campaign_id: order.tremendous.campaignId }
        : { products: order.tremendous?.products ?? [] };
      let res: Response;
      try {
        res = await fetch(`${base}/orders`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({
            external_id: order.payoutId,
            payment: { funding_source_id: "balance" },
            reward: {
              value: { denomination, currency_code: order.currency },
              delivery: { method: "EMAIL" },
              recipient: { name: order.recipient.name || order.recipient.email, email: order.recipient.email },
              ...choice,
            },
          }),
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        });
      } catch (err) {
        return networkRetry(err);
      }
      const body = (await res.json().catch(() => null)) as {
        order?: TremendousOrder;
        errors?: { message?: string; payload?: unknown };
      } | null;
      if (res.ok && body?.order?.id) {
        const answer = orderAnswer(body.order);
        if (answer.kind === "failed")
          return { kind: "failed", code: answer.code, status: res.status, error: answer.error };
        if (answer.kind === "retry") return { kind: "retry", status: res.status, error: answer.error };
        return {
          kind: "accepted",
          providerId: body.order.id,
          providerStatus: answer.providerStatus,
          paid: answer.kind === "paid",
        };
      }
      return failure(res, body);
    },

    async status({ providerId }): Promise<StatusAnswer> {
      let res: Response;
      try {
        res = await fetch(`${base}/orders/${encodeURIComponent(providerId)}`, {
          headers,
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        });
      } catch (err) {
        return networkRetry(err);
      }
      const body = (await res.json().catch(() => null)) as { order?: TremendousOrder } | null;
      if (res.ok && body?.order) return orderAnswer(body.order);
      return { kind: "retry", status: res.status, error: `Tremendous answered ${res.status} for the order` };
    },
  };
}
