import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

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
  forbidden: 403,
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
  method_not_allowed: 405,
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
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

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
