import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/**
 * Every error a client can see has a stable code. The code decides the HTTP status, so a route cannot
 * answer "not found" with 400 by accident. Search the docs for the code, not for the message.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 422,
  unauthorized: 401,
  invalid_key: 401,
  key_type_not_allowed: 403,
  origin_not_allowed: 403,
  invalid_signature: 401,
  signature_required: 401,
  invalid_member_token: 401,
  not_found: 404,
  unknown_code: 404,
  unknown_click: 404,
  member_not_found: 404,
  referral_not_found: 404,
  no_attribution: 422,
  attribution_expired: 422,
  self_referral: 422,
  invalid_transition: 409,
  conflict: 409,
  code_taken: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  reward_not_found: 404,
  reward_on_hold: 409,
  invalid_reward_state: 409,
  rules_version_conflict: 409,
  raffle_already_drawn: 409,
  raffle_no_entries: 422,
  draw_not_found: 404,
  review_not_found: 404,
  review_closed: 409,
  review_changed: 409,
  referral_blocked: 422,
  idempotency_key_required: 422,
  member_suspended: 403,
  invalid_webhook_url: 422,
  webhook_endpoint_not_found: 404,
  webhook_delivery_not_found: 404,
  webhook_endpoint_disabled: 409,
  stripe_not_configured: 404,
  invalid_stripe_signature: 400,
  invalid_credentials: 401,
  account_locked: 429,
  session_expired: 401,
  csrf_failed: 403,
  forbidden_role: 403,
  program_required: 400,
  payout_not_found: 404,
  invalid_payout_state: 409,
  payout_method_not_offered: 422,
  reward_in_payout: 409,
  encryption_key_missing: 503,
  crm_not_configured: 404,
  invalid_hubspot_signature: 401,
  invalid_salesforce_token: 401,
  invalid_crm_payload: 400,
  experiment_not_found: 404,
  experiment_running: 409,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** What each code means and what to do: the API document's error responses and the README's table say this. */
export const ERROR_DESCRIPTIONS = {
  bad_request:
    "The request is malformed: a cursor this API did not return, or an Idempotency-Key that is not 1–255 printable ASCII characters.",
  invalid_json: "The body is not valid JSON.",
  validation_failed: "A field is missing or invalid; `details` lists each as `{ path, message }`.",
  unauthorized: "No key was sent: `Authorization: Bearer vch_sk_…` (server) or `X-Vouch-Key` / `?key=` (browser).",
  invalid_key: "The key is unknown, malformed or revoked.",
  key_type_not_allowed: "A secret key on a browser route (rotate it), or a publishable key on a server route.",
  origin_not_allowed: "The page's origin is not in the program's allowed origins (or there is no Origin header).",
  invalid_signature: "The member's identity signature or JWT does not verify, or has expired.",
  signature_required: "The program is live: sign the member id on your server (`signature`) or send a JWT (`token`).",
  invalid_member_token: "The member token is invalid or expired: enrol again (`POST /v1/members/me`).",
  not_found: "No such route, rules version or API key (or a retired `/r/<code>` link: use `/r/<program-slug>/<code>`).",
  unknown_code: "No active member has this referral code.",
  unknown_click: "No visit has this click id.",
  member_not_found: "No member with this id in the program.",
  referral_not_found: "No referral with this id in the program.",
  no_attribution: "Nothing ties this customer to a member: no referral, click id or code matched.",
  attribution_expired: "The visit is older than the program's attribution window.",
  self_referral: "A member cannot refer themselves (or, when the program says so, their own company).",
  invalid_transition: "The referral cannot move from its status to the one asked; `details.allowed` lists the moves.",
  conflict: "A concurrent change won (retry), or the request contradicts stored state (see the message).",
  code_taken: "Another member already has this referral code.",
  idempotency_key_reused: "This Idempotency-Key was used with a different request: use a new key.",
  payload_too_large: "The body is over the limit (16 KiB; 64 KiB for reward rules).",
  unsupported_media_type: "Send the body as `application/json` (browser routes also take `text/plain`).",
  rate_limited: "Too many requests: wait `Retry-After` seconds.",
  internal_error: "Something went wrong on our side; it has been logged.",
  reward_not_found: "No reward with this id in the program.",
  reward_on_hold: "The reward is still in its hold period; `details.available_at` says until when.",
  invalid_reward_state:
    "The reward's state does not allow this (e.g. voiding a paid reward, paying an unapproved one).",
  rules_version_conflict: "The rules changed since you read them: `expected_version` is not the current version.",
  raffle_already_drawn: "This month was already drawn; `details` is the recorded draw.",
  raffle_no_entries: "Nobody has raffle entries for this month.",
  draw_not_found: "This month has not been drawn.",
  review_not_found: "No fraud review with this id in the program.",
  review_closed: "The review was already decided.",
  review_changed: "A rule added a reason since you read the review (`expected_updated_at`): read it again.",
  referral_blocked: "A fraud rule blocked this change; `details.reasons` lists each rule and its evidence.",
  idempotency_key_required: "A renewal pays again each time: send `invoice_id` or an Idempotency-Key.",
  member_suspended: "The member is suspended: their link records nothing new.",
  invalid_webhook_url:
    "Webhook URLs use https to a public host (a test-mode program may use http://localhost); `details.reason` says what is wrong.",
  webhook_endpoint_not_found: "No webhook endpoint with this id in the program.",
  webhook_delivery_not_found: "No webhook delivery with this id in the program.",
  webhook_endpoint_disabled:
    "The endpoint is disabled (or deleted): enable it with `PATCH /v1/webhook-endpoints/{id}` first.",
  stripe_not_configured:
    "The program has no Stripe signing secret yet: `PUT /v1/integrations/stripe` (or `pnpm vouch set-stripe`).",
  invalid_stripe_signature:
    "The Stripe-Signature header is missing, does not match the saved signing secret, or is older than 5 minutes.",
  invalid_credentials: "The email or password is wrong (the answer does not say which).",
  account_locked: "Five wrong passwords in a row lock an admin account for 15 minutes: wait `Retry-After` seconds.",
  session_expired: "The dashboard session has ended (12 hours, signed out, or signed out everywhere): sign in again.",
  csrf_failed: "A dashboard change without the session's `X-CSRF-Token`, or from another origin.",
  forbidden_role:
    "Your admin role cannot do this: viewers only read; keys, the identity secret and admins need an owner.",
  program_required:
    "A dashboard session names the program it acts on with `X-Vouch-Program: prg_…` (one of its workspace's).",
  payout_not_found: "No payout with this id in the program.",
  invalid_payout_state:
    "The payout's state or method does not allow this (only account credit is confirmed by hand; only a queued payout is canceled).",
  payout_method_not_offered: "The program does not pay by this method; `details.offered` lists the ones it does.",
  reward_in_payout:
    "The reward is in a payout on its way to the member: it cannot be voided or paid by hand until that payout is paid or fails.",
  encryption_key_missing:
    "The deployment has no valid `VOUCH_ENCRYPTION_KEY` secret, so CRM credentials cannot be stored or read (README, CRM).",
  crm_not_configured:
    "This program has not connected this CRM: `PUT /v1/integrations/hubspot` or `PUT /v1/integrations/salesforce` first (or incoming sync is off).",
  invalid_hubspot_signature:
    "`X-HubSpot-Signature-v3` is missing, does not match the saved client secret, or `X-HubSpot-Request-Timestamp` is older than 5 minutes.",
  invalid_salesforce_token:
    "The Salesforce call did not carry the program's inbound secret (`Authorization: Bearer …` for a Flow, `?token=` for an Outbound Message), or the OrganizationId is not the saved one.",
  invalid_crm_payload:
    "The body is not a HubSpot webhook batch, a Salesforce Flow callout or an Outbound Message; `details.reason` says what is wrong.",
  experiment_not_found: "No experiment with this id in the program.",
  experiment_running:
    "An experiment is already running in this program: end it (`POST /v1/experiments/{id}/end`) first.",
} as const satisfies Record<ErrorCode, string>;

/** The one error shape, `{ "error": { "code", "message", "details" } }`; the document's `Error` component. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z
        .unknown()
        .optional()
        .meta({ description: "Depends on the code; e.g. `[{ path, message }]` for `validation_failed`." }),
    }),
  })
  .meta({ id: "Error", description: "Every error: a stable `code` to search for, a message for people, and details." });

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

/**
 * A write that hit a UNIQUE (or PRIMARY KEY) index, optionally on one column (`"members.code"`). D1 passes
 * SQLite's message through: "UNIQUE constraint failed: members.code". Races and duplicates are detected this
 * way, so they become a clear answer or a re-plan instead of a 500.
 */
export function isUniqueViolation(err: unknown, column?: string): boolean {
  const msg = String((err as Error)?.message ?? err);
  const unique = msg.includes("UNIQUE constraint failed") || msg.includes("PRIMARY KEY");
  return unique && (column === undefined || msg.includes(column));
}

/** A write that a CHECK constraint refused, e.g. a `guards` row (migration 0004) whose limit was exceeded. */
export function isCheckViolation(err: unknown): boolean {
  return String((err as Error)?.message ?? err).includes("CHECK constraint failed");
}

/** The one error handler: known errors become their JSON shape; anything else is logged and hidden. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(err.toJSON(), err.status, err.headers);
  }
  // Hono's own HTTPException (e.g. from bodyLimit) carries a status; map the ones we expect.
  const status = (err as { status?: number }).status;
  if (status === 413) return handleError(new ApiError("payload_too_large", "Request body is too large."), c);
  console.error("unhandled error", { path: c.req.path, method: c.req.method, error: err.stack ?? String(err) });
  return c.json(
    { error: { code: "internal_error", message: "Something went wrong on our side. It has been logged." } },
    500,
  );
}
