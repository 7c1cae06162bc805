/**
 * Where an email goes: one small interface, one implementation per provider, chosen per deployment by the
 * `EMAIL_PROVIDER` var ("local", "resend").
 *
 * - `local` stores the message in D1 (`email_local_messages`), shown at `GET /dev/mail` outside production.
 * - `resend`: `POST https://api.resend.com/emails` with `Authorization: Bearer <RESEND_API_KEY>` and JSON
 *   `{ from, to, subject, html, text, headers }`, plus Resend's `Idempotency-Key` header (our dedupe key), so a
 *   send Resend received but whose answer we lost is not sent again when retried within 24 hours. Resend answers
 *   200 `{ id }`; errors are `{ statusCode, name, message }`: 429 (rate or quota) and 5xx are retried, any other
 *   4xx (422 validation_error, 403 …) is final.
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

/** The deployment's provider; an unknown name or a missing key is a configuration error, thrown. */
export function providerFor(env: ProviderEnv): EmailProvider {
  const name = env.EMAIL_PROVIDER || "local";
  if (name === "local") return localProvider(env.DB);
  if (name === "resend") {
    if (!env.RESEND_API_KEY) throw new Error("EMAIL_PROVIDER is resend but the RESEND_API_KEY secret is not set");
    return resendProvider(env.RESEND_API_KEY, env.RESEND_API_URL || undefined);
  }
  throw new Error(`unknown EMAIL_PROVIDER ${JSON.stringify(name)}`);
}
