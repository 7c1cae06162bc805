import { type ClientOptions, type RequestOptions, Transport } from "./client/transport";
import { automaticIdempotencyKey, canonicalJson } from "./conversions/idempotency";
import type {
  AccessLink,
  ConversionInput,
  ConversionResult,
  MemberDiscount,
  ReferralUpdate,
  ReferralUpdateResult,
} from "./conversions/types";

/**
 * The Vouch API from your server, with the program's secret key.
 *
 *   const vouch = new Vouch({ secretKey: process.env.VOUCH_SECRET_KEY, apiUrl: "https://vouch.example.com" });
 *   await vouch.recordConversion({ email: "pat@globex.example", value_cents: 49900, currency: "USD" });
 *
 * Errors are `VouchError` (with the API's `code`, `status`, `details`) or `VouchNetworkError`.
 */
export class Vouch {
  readonly apiUrl: string;
  /** A `fetch` with the key, timeout and retries: give it to a generated OpenAPI client (see `Transport`). */
  readonly fetch: Transport["fetch"];
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.apiUrl = this.transport.apiUrl;
    this.fetch = this.transport.fetch;
  }

  /** Any API call, for what has no helper yet: `vouch.request("GET", "/v1/program")`. */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return this.transport.request<T>(method, path, options);
  }

  /**
   * `POST /v1/conversions`: the customer qualified or converted. Without `idempotencyKey` the key is
   * derived from the input (`automaticIdempotencyKey`), so the same call twice is recorded once; pass your
   * invoice or event id as the key when the same body can honestly mean a second event.
   */
  async recordConversion(input: ConversionInput, options: { idempotencyKey?: string } = {}): Promise<ConversionResult> {
    const body = canonicalJson(input);
    const idempotencyKey = options.idempotencyKey ?? (await automaticIdempotencyKey("POST", "/v1/conversions", body));
    return this.transport.request("POST", "/v1/conversions", { body, idempotencyKey });
  }

  /**
   * `PATCH /v1/referrals/:id`: qualified, converted, renewed (each renewal), lost or refunded. A renewal
   * pays again, so it needs `invoice_id` or `idempotencyKey`; either also makes the call safe to retry.
   */
  updateReferral(
    id: string,
    update: ReferralUpdate,
    options: { idempotencyKey?: string } = {},
  ): Promise<ReferralUpdateResult> {
    return this.transport.request("PATCH", `/v1/referrals/${encodeURIComponent(id)}`, {
      body: update,
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      idempotent: Boolean(update.invoice_id),
    });
  }

  /** `GET /v1/members/:id/discount`: the member's stacking discount, for your billing. */
  memberDiscount(memberId: string): Promise<MemberDiscount> {
    return this.transport.request("GET", `/v1/members/${encodeURIComponent(memberId)}/discount`);
  }

  /**
   * `POST /v1/members/:id/access-link`: a One Click Access link for your own emails. It opens the member's
   * portal (their link and code, share links, referrals, rewards) with no login, for this member only, until
   * it expires: `expiresInHours` 1 to 720, default 72. Mint one per email. Minting changes nothing, so a
   * failed try is retried.
   */
  accessLink(memberId: string, options: { expiresInHours?: number } = {}): Promise<AccessLink> {
    return this.transport.request("POST", `/v1/members/${encodeURIComponent(memberId)}/access-link`, {
      body: options.expiresInHours === undefined ? {} : { expires_in_hours: options.expiresInHours },
      idempotent: true,
    });
  }
}
