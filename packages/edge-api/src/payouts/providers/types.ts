/**
 * A payout provider: one small interface, one adapter per provider (PayPal Payouts, Tremendous, Wise), each speaking
 * the provider's real HTTP API with the provider's own idempotency field set from the payout's id, so a send that is
 * retried (a lost answer, a Worker that died after the request) never pays twice.
 *
 * `send` asks the provider to pay; `status` asks it what became of a payout it took. A payout is `paid` only on the
 * provider's word (`status`, or a `send` answer that already says so): that is the verified evidence.
 */
export type PayoutMethod = "paypal" | "tremendous" | "wise" | "account_credit" | "manual";
export const PAYOUT_METHODS = ["paypal", "tremendous", "wise", "account_credit", "manual"] as const;
/** Methods a provider adapter sends; account credit is applied and confirmed by the host, manual by a person. */
export const PROVIDER_METHODS = ["paypal", "tremendous", "wise"] as const;
export type ProviderMethod = (typeof PROVIDER_METHODS)[number];

/** Why a provider refused a payout for good. */
export type FailureCode =
  | "insufficient_funds"
  | "invalid_recipient"
  | "duplicate"
  | "rejected"
  | "not_configured"
  | "returned";

export interface PayoutOrder {
  /** Our payout id: the provider's idempotency key (PayPal sender_batch_id, Tremendous external_id, Wise customerTransactionId). */
  payoutId: string;
  programName: string;
  /** Minor units, > 0. */
  amount: number;
  currency: string;
  recipient: { email: string; name: string | null };
  /** A short line the recipient sees. */
  note: string;
  /** Tremendous: the products the member chooses from, or a campaign. */
  tremendous?: { products: string[]; campaignId: string | null };
}

export type SendAnswer =
  | { kind: "accepted"; providerId: string; providerStatus: string; paid: boolean }
  | { kind: "retry"; status: number | null; error: string; retryAfterS?: number }
  | { kind: "failed"; code: FailureCode; status: number | null; error: string };

export type StatusAnswer =
  | { kind: "paid" | "processing"; providerStatus: string }
  | { kind: "failed"; code: FailureCode; providerStatus: string; error: string }
  | { kind: "retry"; status: number | null; error: string };

export interface PayoutProvider {
  readonly method: ProviderMethod;
  send(order: PayoutOrder): Promise<SendAnswer>;
  status(payout: { payoutId: string; providerId: string }): Promise<StatusAnswer>;
}

export const PROVIDER_TIMEOUT_MS = 20_000;

/** A network failure or timeout: always worth another try (the idempotency field makes it safe). */
export function networkRetry(err: unknown): { kind: "retry"; status: null; error: string } {
  return { kind: "retry", status: null, error: err instanceof Error ? err.message : String(err) };
}

export function retryAfter(res: Response): { retryAfterS?: number } {
  const seconds = Number(res.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterS: seconds } : {};
}
