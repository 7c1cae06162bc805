import { sha256Hex } from "../../lib/crypto";
import { toDecimalString } from "../../lib/money";
import {
  networkRetry,
  type PayoutOrder,
  type PayoutProvider,
  PROVIDER_TIMEOUT_MS,
  retryAfter,
  type SendAnswer,
  type StatusAnswer,
} from "./types";

/**
 * Wise transfers from the vendor's Wise balance (https://docs.wise.com/api-reference), to an email recipient (Wise
 * asks the member for their bank details by email, so Vouch never holds them):
 *
 * 1. `POST /v3/profiles/{profileId}/quotes` `{ sourceCurrency, targetCurrency, targetAmount, payOut: "BALANCE" }` → `{ id }`.
 * 2. `POST /v1/accounts` `{ profile, accountHolderName, currency, type: "email", details: { email } }` → `{ id }`.
 * 3. `POST /v1/transfers` `{ targetAccount, quoteUuid, customerTransactionId, details: { reference } }` → `{ id, status }`.
 *    `customerTransactionId` is a UUID derived from our payout id: Wise's idempotency field, so a retried send gets the
 *    transfer it already made instead of a second one.
 * 4. `POST /v3/profiles/{profileId}/transfers/{id}/payments` `{ type: "BALANCE" }` → `{ status: "COMPLETED" | "REJECTED",
 *    errorCode }` (only while the transfer still waits for its money: a retried send does not fund twice).
 *
 * `GET /v1/transfers/{id}`: `outgoing_payment_sent` is paid; `cancelled`, `funds_refunded`, `bounced_back`,
 * `charged_back` failed; the rest still processing. Errors are `{ errors: [{ code, message }] }`; 429 and 5xx are
 * retried, `transfer.insufficient_funds` and a refused recipient are final.
 */
export interface WiseConfig {
  token: string;
  profileId: string;
  /** https://api.wise.com, or https://api.sandbox.transferwise.tech. */
  baseUrl: string;
}

const FAILED = new Set(["cancelled", "funds_refunded", "bounced_back", "charged_back"]);

/** A stable UUID (version 4 layout) from our payout id. */
export async function customerTransactionId(payoutId: string): Promise<string> {
  const h = await sha256Hex(`vouch-payout:${payoutId}`);
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Step = { ok: true; body: Record<string, unknown> } | { ok: false; answer: SendAnswer };

export function wiseProvider(config: WiseConfig): PayoutProvider {
  const base = config.baseUrl.replace(/\/$/, "");
  const profile = encodeURIComponent(config.profileId);

  async function call(path: string, body?: unknown, what = "request"): Promise<Step> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          authorization: `Bearer ${config.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      return { ok: false, answer: networkRetry(err) };
    }
    const parsed = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.ok && parsed) return { ok: true, body: parsed };
    const errors = (parsed?.errors as { code?: string; message?: string }[] | undefined) ?? [];
    const error = `Wise ${what} ${res.status}: ${errors.map((e) => e.code ?? e.message).join(", ") || res.statusText}`;
    if (res.status === 429 || res.status >= 500) {
      return { ok: false, answer: { kind: "retry", status: res.status, error, ...retryAfter(res) } };
    }
    const codes = errors.map((e) => e.code ?? "").join(" ");
    const code = /insufficient/i.test(codes)
      ? "insufficient_funds"
      : res.status === 401 || res.status === 403
        ? "not_configured"
        : what === "recipient"
          ? "invalid_recipient"
          : "rejected";
    return { ok: false, answer: { kind: "failed", code, status: res.status, error: error.slice(0, 500) } };
  }

  return {
    method: "wise",
    async send(order: PayoutOrder): Promise<SendAnswer> {
      const quote = await call(
        `/v3/profiles/${profile}/quotes`,
        {
          sourceCurrency: order.currency,
          targetCurrency: order.currency,
          targetAmount: Number(toDecimalString(order.amount, order.currency)),
          payOut: "BALANCE",
        },
        "quote",
      );
      if (!quote.ok) return quote.answer;
      const account = await call(
        "/v1/accounts",
        {
          profile: Number(config.profileId),
          accountHolderName: order.recipient.name || order.recipient.email,
          currency: order.currency,
          type: "email",
          details: { email: order.recipient.email },
        },
        "recipient",
      );
      if (!account.ok) return account.answer;
      const transfer = await call(
        "/v1/transfers",
        {
          targetAccount: account.body.id,
          quoteUuid: quote.body.id,
          customerTransactionId: await customerTransactionId(order.payoutId),
          details: { reference: order.note.slice(0, 35) },
        },
        "transfer",
      );
      if (!transfer.ok) return transfer.answer;
      const id = String(transfer.body.id);
      if (transfer.body.status !== "incoming_payment_waiting") {
        // Funded by an earlier try of this same payout.
        return { kind: "accepted", providerId: id, providerStatus: String(transfer.body.status), paid: false };
      }
      const fund = await call(
        `/v3/profiles/${profile}/transfers/${encodeURIComponent(id)}/payments`,
        { type: "BALANCE" },
        "funding",
      );
      if (!fund.ok) return fund.answer;
      if (fund.body.status !== "COMPLETED") {
        const code = String(fund.body.errorCode ?? "");
        return {
          kind: "failed",
          code: /insufficient/i.test(code) ? "insufficient_funds" : "rejected",
          status: 200,
          error: `Wise funding ${String(fund.body.status)}: ${code}`,
        };
      }
      return { kind: "accepted", providerId: id, providerStatus: "processing", paid: false };
    },

    async status({ providerId }): Promise<StatusAnswer> {
      const res = await call(`/v1/transfers/${encodeURIComponent(providerId)}`, undefined, "transfer");
      if (!res.ok) {
        const a = res.answer;
        return {
          kind: "retry",
          status: a.kind === "accepted" ? null : a.status,
          error: a.kind === "accepted" ? "" : a.error,
        };
      }
      const status = String(res.body.status ?? "");
      if (status === "outgoing_payment_sent") return { kind: "paid", providerStatus: status };
      if (FAILED.has(status)) {
        return {
          kind: "failed",
          code: status === "bounced_back" ? "invalid_recipient" : "returned",
          providerStatus: status,
          error: `Wise transfer ${status}`,
        };
      }
      return { kind: "processing", providerStatus: status };
    },
  };
}
