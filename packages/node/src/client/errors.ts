import type { ErrorCode } from "@vouch/edge-api/types";

/** Every code the API answers errors with (README, "API"). */
export type VouchErrorCode = ErrorCode;

/**
 * An error answer from the Vouch API: `{ error: { code, message, details } }` with its HTTP status.
 * Branch on `code` (stable, documented), not on the message. An answer that is not the API's error shape
 * (a proxy's HTML page, say) has the code `unexpected_response`.
 */
export class VouchError extends Error {
  override readonly name = "VouchError";
  readonly code: VouchErrorCode | "unexpected_response";
  readonly status: number;
  readonly details: unknown;
  /** `Retry-After` in seconds, on `rate_limited`. */
  readonly retryAfter: number | undefined;

  constructor(init: {
    code: VouchErrorCode | "unexpected_response";
    message: string;
    status: number;
    details?: unknown;
    retryAfter?: number | undefined;
  }) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
    this.retryAfter = init.retryAfter;
  }
}

/**
 * The request never got an answer: DNS, connection refused or reset, TLS, or the timeout. Distinct from
 * `VouchError`: the API may or may not have done the work, so retry only what is idempotent (the client
 * already did, for idempotent requests).
 */
export class VouchNetworkError extends Error {
  override readonly name = "VouchNetworkError";

  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turns an error answer into a `VouchError`. */
export async function errorFromResponse(response: Response): Promise<VouchError> {
  const retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
  const text = await response.text().catch(() => "");
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {}
  const error = body?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new VouchError({
      code: error.code as VouchErrorCode,
      message: error.message,
      status: response.status,
      details: error.details,
      retryAfter,
    });
  }
  return new VouchError({
    code: "unexpected_response",
    message: `HTTP ${response.status} without a Vouch error body: ${text.slice(0, 200)}`,
    status: response.status,
    retryAfter,
  });
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
