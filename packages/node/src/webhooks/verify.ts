import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** A webhook delivery as your framework hands it over: the raw body, exactly as received, and its headers. */
export interface WebhookDelivery {
  headers: Headers | Record<string, string | string[] | undefined>;
  body: string | Uint8Array;
}

/** The delivery is not from Vouch, was altered, or is older than 5 minutes (a replay). */
export class VouchWebhookError extends Error {
  override readonly name = "VouchWebhookError";
}

/**
 * Verifies a webhook per the Standard Webhooks spec (with its reference library): `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, one or more separated by spaces
 * while the sender rotates its secret) must match, and `webhook-timestamp` be within 5 minutes of now.
 * Returns the parsed JSON payload. Pass the raw body: a body parsed and serialised again no longer matches.
 *
 * `secret` is the endpoint's `whsec_…` secret; give two (`[current, previous]`) while you rotate it.
 */
export async function verifyWebhook<T = unknown>(
  delivery: Request | WebhookDelivery,
  secret: string | readonly string[],
): Promise<T> {
  const body = isRequest(delivery)
    ? await delivery.text()
    : typeof delivery.body === "string"
      ? delivery.body
      : new TextDecoder().decode(delivery.body);
  const headers: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const value = headerOf(delivery.headers, name);
    if (value) headers[name] = value;
  }
  let failure: unknown;
  for (const each of typeof secret === "string" ? [secret] : secret) {
    try {
      return new Webhook(each).verify(body, headers) as T;
    } catch (err) {
      failure = err;
    }
  }
  const reason = failure instanceof WebhookVerificationError ? failure.message : String(failure ?? "no secret");
  throw new VouchWebhookError(`Webhook verification failed: ${reason}.`, { cause: failure });
}

/** A `Request` (or a framework's subclass of it, or another realm's), by shape. */
function isRequest(delivery: Request | WebhookDelivery): delivery is Request {
  return typeof (delivery as Request).text === "function" && typeof (delivery as Request).url === "string";
}

function headerOf(headers: WebhookDelivery["headers"], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(" ") : value;
}
