import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-schema";

/**
 * The dashboard speaks the same /v1 API as a vendor's server, typed from the API document (`pnpm schema`
 * regenerates `api-schema.d.ts` with openapi-typescript). The session cookie authorises it; every request names
 * the program it acts on, and every change carries the session's CSRF token.
 */
export const session = { program: "", csrf: "" };

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });

const sessionHeaders: Middleware = {
  onRequest({ request }) {
    if (session.program) request.headers.set("X-Vouch-Program", session.program);
    if (request.method !== "GET" && session.csrf) request.headers.set("X-CSRF-Token", session.csrf);
    return request;
  },
};
api.use(sessionHeaders);

export type ErrorBody = components["schemas"]["Error"];
export type Schemas = components["schemas"];

/** An API refusal, with its stable code (README "Errors"). */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Unwraps an openapi-fetch answer: the data, or an ApiFailure with the API's code and message. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiFailure("network", "The API did not answer. Check your connection and try again.", 0);
  }
  if (result.error !== undefined || result.data === undefined) {
    const body = result.error as Partial<ErrorBody> | undefined;
    const e = body?.error;
    if (e?.code === "session_expired" || e?.code === "unauthorized") onSignedOut();
    throw new ApiFailure(
      e?.code ?? "unknown",
      e?.message ?? `HTTP ${result.response.status}`,
      result.response.status,
      e?.details,
    );
  }
  return result.data;
}

let signedOutHandler = () => {};
export function onSessionEnd(handler: () => void) {
  signedOutHandler = handler;
}
function onSignedOut() {
  signedOutHandler();
}

/** Minor units to a price: 12345, "USD" → "$123.45". */
export function money(minor: number, currency: string): string {
  const digits =
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(minor / 10 ** digits);
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)} %`;
}

export function date(isoTime: string | null | undefined): string {
  if (!isoTime) return "—";
  return new Date(isoTime).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}

export function dateTime(isoTime: string | null | undefined): string {
  if (!isoTime) return "—";
  return new Date(isoTime).toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}
