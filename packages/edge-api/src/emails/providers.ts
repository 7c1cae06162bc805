/**
 * Where an email goes: one small interface, one implementation per provider, chosen per deployment by the
 * `EMAIL_PROVIDER` var ("local", "resend", "postmark", "cloudflare").
 *
 * - `local` stores the message in D1 (`email_local_messages`), shown at `GET /dev/mail` outside production.
 * - `resend`: `POST https://api.resend.com/emails` with `Authorization: Bearer <RESEND_API_KEY>` and JSON
 *   `{ from, to, subject, html, text, headers }`, plus Resend's `Idempotency-Key` header (our dedupe key), so a
 *   send Resend received but whose answer we lost is not sent again when retried within 24 hours. Resend answers
 *   200 `{ id }`; errors are `{ statusCode, name, message }`: 429 (rate or quota) and 5xx are retried, any other
 *   4xx (422 validation_error, 403 …) is final.
 * - `postmark`: `POST https://api.postmarkapp.com/email` with `X-Postmark-Server-Token: <POSTMARK_SERVER_TOKEN>`,
 *   `Accept` and `Content-Type: application/json`, and JSON `{ From, To, Subject, HtmlBody, TextBody,
 *   Headers: [{ Name, Value }], MessageStream, Metadata }` (the stream is `POSTMARK_MESSAGE_STREAM`, default
 *   "outbound"; Metadata carries our outbox id). Postmark answers 200 `{ To, SubmittedAt, MessageID, ErrorCode: 0,
 *   Message: "OK" }`; a refusal is 422 `{ ErrorCode, Message }` (300 invalid email request, 406 inactive
 *   recipient, 405 not allowed to send …), final, except ErrorCode 429 (rate limit); HTTP 429 and 5xx are
 *   retried; 401 (bad token) is final. Postmark has no idempotency key: an answer lost after Postmark took the
 *   message could send it twice, which the claim-before-send (src/emails/outbox.ts) prevents instead.
 * - `cloudflare`: Cloudflare Email Service through a `send_email` binding named `SEND_EMAIL`, with the structured
 *   builder `{ from: { email, name }, to, subject, html, text, headers }`; it answers `{ messageId }` and throws an
 *   Error with a string `code` when it refuses. A refusal about the message or its addresses (`E_VALIDATION_ERROR`,
 *   `E_FIELD_MISSING`, `E_SENDER_NOT_VERIFIED`, `E_RECIPIENT_NOT_ALLOWED`, `E_RECIPIENT_SUPPRESSED`, …) is final;
 *   anything else (a rate or daily limit, an internal error, no code) is retried. No idempotency key either. On a
 *   free plan it only delivers to addresses verified in the account; a paid plan delivers to anyone.
 */
export interface OutgoingEmail {
  outboxId: string;
  programId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  idempotencyKey: string;
}

export type SendResult =
  | { ok: true; status: number | null; providerId: string | null }
  | { ok: false; retry: boolean; status: number | null; error: string; retryAfterS?: number };

export interface EmailProvider {
  readonly name: string;
  send(email: OutgoingEmail, now: number): Promise<SendResult>;
}

export interface ProviderEnv {
  DB: D1Database;
  EMAIL_PROVIDER?: string;
  RESEND_API_KEY?: string;
  RESEND_API_URL?: string;
  POSTMARK_SERVER_TOKEN?: string;
  POSTMARK_API_URL?: string;
  POSTMARK_MESSAGE_STREAM?: string;
  /** Cloudflare Email Service (`send_email` binding), for EMAIL_PROVIDER=cloudflare. */
  SEND_EMAIL?: SendEmail;
}

export const SEND_TIMEOUT_MS = 15_000;

export function localProvider(db: D1Database): EmailProvider {
  return {
    name: "local",
    async send(e, now) {
      const id = `lm_${crypto.randomUUID().replaceAll("-", "")}`;
      await db
        .prepare(
          `INSERT INTO email_local_messages (id, outbox_id, program_id, to_address, from_address, subject, html, text, headers, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(id, e.outboxId, e.programId, e.to, e.from, e.subject, e.html, e.text, JSON.stringify(e.headers), now)
        .run();
      return { ok: true, status: null, providerId: id };
    },
  };
}

export function resendProvider(apiKey: string, baseUrl = "https://api.resend.com", timeoutMs = SEND_TIMEOUT_MS) {
  return {
    name: "resend",
    async send(e: OutgoingEmail): Promise<SendResult> {
      let res: Response;
      try {
        res = await fetch(`${baseUrl.replace(/\/$/, "")}/emails`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${apiKey}`,
            "content-type": "application/json",
            "idempotency-key": e.idempotencyKey,
          },
          body: JSON.stringify({
            from: e.from,
            to: [e.to],
            subject: e.subject,
            html: e.html,
            text: e.text,
            headers: e.headers,
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        return { ok: false, retry: true, status: null, error: err instanceof Error ? err.message : String(err) };
      }
      const body = (await res.json().catch(() => null)) as { id?: string; name?: string; message?: string } | null;
      if (res.ok) return { ok: true, status: res.status, providerId: body?.id ?? null };
      const error = `${body?.name ?? "error"}: ${body?.message ?? res.statusText}`.slice(0, 500);
      const retryAfter = Number(res.headers.get("retry-after"));
      return {
        ok: false,
        retry: res.status === 429 || res.status >= 500,
        status: res.status,
        error,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}),
      };
    },
  } satisfies EmailProvider;
}

export function postmarkProvider(
  serverToken: string,
  opts: { baseUrl?: string; messageStream?: string; timeoutMs?: number } = {},
) {
  const base = (opts.baseUrl || "https://api.postmarkapp.com").replace(/\/$/, "");
  return {
    name: "postmark",
    async send(e: OutgoingEmail): Promise<SendResult> {
      let res: Response;
      try {
        res = await fetch(`${base}/email`, {
          method: "POST",
          headers: {
            accept: "application/json",
            "content-type": "application/json",
            "x-postmark-server-token": serverToken,
          },
          body: JSON.stringify({
            From: e.from,
            To: e.to,
            Subject: e.subject,
            HtmlBody: e.html,
            TextBody: e.text,
            Headers: Object.entries(e.headers).map(([Name, Value]) => ({ Name, Value })),
            MessageStream: opts.messageStream || "outbound",
            Metadata: { outbox_id: e.outboxId },
          }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? SEND_TIMEOUT_MS),
        });
      } catch (err) {
        return { ok: false, retry: true, status: null, error: err instanceof Error ? err.message : String(err) };
      }
      const body = (await res.json().catch(() => null)) as {
        MessageID?: string;
        ErrorCode?: number;
        Message?: string;
      } | null;
      if (res.ok && (body?.ErrorCode ?? 0) === 0) {
        return { ok: true, status: res.status, providerId: body?.MessageID ?? null };
      }
      const error = `ErrorCode ${body?.ErrorCode ?? "?"}: ${body?.Message ?? res.statusText}`.slice(0, 500);
      const retryAfter = Number(res.headers.get("retry-after"));
      return {
        ok: false,
        retry: res.status === 429 || res.status >= 500 || body?.ErrorCode === 429,
        status: res.status,
        error,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}),
      };
    },
  } satisfies EmailProvider;
}

/** Cloudflare's refusals that a retry cannot change (Email Service, Workers API error codes). */
const CLOUDFLARE_FINAL = new Set([
  "E_VALIDATION_ERROR",
  "E_FIELD_MISSING",
  "E_TOO_MANY_RECIPIENTS",
  "E_TOO_MANY_ATTACHMENTS",
  "E_SENDER_NOT_VERIFIED",
  "E_RECIPIENT_NOT_ALLOWED",
  "E_RECIPIENT_SUPPRESSED",
  "E_CONTENT_TOO_LARGE",
  "E_HEADER_NOT_ALLOWED",
]);

export function cloudflareProvider(binding: SendEmail) {
  return {
    name: "cloudflare",
    async send(e: OutgoingEmail): Promise<SendResult> {
      // `fromHeader` wrote `"Name" <address>`; the builder takes the two apart.
      const address = /<([^<>\s]+)>\s*$/.exec(e.from)?.[1] ?? e.from;
      const name = /^"([^"]*)"/.exec(e.from)?.[1];
      try {
        const sent = await binding.send({
          from: name ? { email: address, name } : address,
          to: e.to,
          subject: e.subject,
          html: e.html,
          text: e.text,
          headers: e.headers,
        });
        return { ok: true, status: null, providerId: sent?.messageId ?? null };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const message = err instanceof Error ? err.message : String(err);
        return {
          ok: false,
          retry: !(typeof code === "string" && CLOUDFLARE_FINAL.has(code)),
          status: null,
          error: `${typeof code === "string" ? code : "error"}: ${message}`.slice(0, 500),
        };
      }
    },
  } satisfies EmailProvider;
}

/** The deployment's provider; an unknown name or a missing key is a configuration error, thrown. */
export function providerFor(env: ProviderEnv): EmailProvider {
  const name = env.EMAIL_PROVIDER || "local";
  if (name === "local") return localProvider(env.DB);
  if (name === "resend") {
    if (!env.RESEND_API_KEY) throw new Error("EMAIL_PROVIDER is resend but the RESEND_API_KEY secret is not set");
    return resendProvider(env.RESEND_API_KEY, env.RESEND_API_URL || undefined);
  }
  if (name === "postmark") {
    if (!env.POSTMARK_SERVER_TOKEN) {
      throw new Error("EMAIL_PROVIDER is postmark but the POSTMARK_SERVER_TOKEN secret is not set");
    }
    return postmarkProvider(env.POSTMARK_SERVER_TOKEN, {
      baseUrl: env.POSTMARK_API_URL || undefined,
      messageStream: env.POSTMARK_MESSAGE_STREAM || undefined,
    });
  }
  if (name === "cloudflare") {
    if (!env.SEND_EMAIL) {
      throw new Error("EMAIL_PROVIDER is cloudflare but there is no send_email binding named SEND_EMAIL");
    }
    return cloudflareProvider(env.SEND_EMAIL);
  }
  throw new Error(`unknown EMAIL_PROVIDER ${JSON.stringify(name)}`);
}
