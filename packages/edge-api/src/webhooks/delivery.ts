import { auditStatement } from "../lib/audit";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { type Program, type ProgramRow, toProgram } from "../programs/service";
import { checkDestination } from "./destination";
import { type EndpointRow, signatureHeader, signingSecrets } from "./endpoints";
import { buildPayload, TEST_EVENT_TYPE } from "./events";
import { ATTEMPT_TIMEOUT_MS, DISABLE_AFTER_MS, MAX_ATTEMPTS, retryDelaySeconds } from "./schedule";

/**
 * Delivery of the outbox (src/webhooks/events.ts, migrations/0007_webhooks.sql), off the request path:
 *
 * 1. `dispatchDue` claims deliveries that are due (a lease, so two dispatchers never queue one twice) and puts
 *    their ids on the WEBHOOKS queue. It runs after a write for a program with endpoints (waitUntil, after the
 *    answer) and every minute from the cron, which also picks up anything a lost message or crash left behind.
 * 2. The queue's consumer (`consumeWebhooks`) sends each: signed per Standard Webhooks, 15 s timeout, no
 *    redirects followed. Every attempt is logged. A failure is retried on the queue itself with
 *    `retry({ delaySeconds })` following the schedule (src/webhooks/schedule.ts); a success or the last
 *    failure acknowledges the message.
 *
 * At least once, exactly once in effect: a delivery that succeeded is never sent again (replays excepted),
 * two copies of a message cannot send at the same time (`attempting_until`), and every attempt of one event
 * carries the same `webhook-id` so the receiver can de-duplicate what a lost answer makes us resend.
 */

export interface WebhookMessage {
  delivery_id: string;
}

export interface DeliveryRow {
  id: string;
  program_id: string;
  event_id: string;
  endpoint_id: string;
  state: "pending" | "delivered" | "failed" | "cancelled";
  attempts: number;
  next_attempt_at: number;
  leased_until: number | null;
  attempting_until: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  replay_of: string | null;
  created_at: number;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  program_id: string;
  attempt: number;
  started_at: number;
  status: number | null;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

/** What the consumer needs besides the bindings; tests pass a simulated clock and a fixed jitter. */
export interface DeliveryOptions {
  now?: () => number;
  random?: () => number;
  timeoutMs?: number;
}

/** A queued message belongs to the queue for this long; after it, the cron queues the delivery again. */
const LEASE_MS = 10 * 60_000;
const EXCERPT_CHARS = 500;
const USER_AGENT = "Vouch-Webhooks/1.0 (+https://github.com/vouch-referrals/vouch)";

/**
 * Queues the deliveries that are due (for one program, or everyone's), at most `limit`. Returns how many.
 * A queue failure is harmless: the lease runs out and the next dispatch queues them again.
 */
export async function dispatchDue(
  env: Pick<Env, "DB" | "WEBHOOKS">,
  opts: { now?: number; programId?: string; limit?: number } = {},
): Promise<number> {
  const now = opts.now ?? Date.now();
  const scope = opts.programId ? "AND program_id = ?3" : "";
  const { results } = await env.DB.prepare(
    `UPDATE webhook_deliveries SET leased_until = ?1 + ${LEASE_MS}
     WHERE id IN (SELECT id FROM webhook_deliveries
                  WHERE state = 'pending' AND next_attempt_at <= ?1 AND (leased_until IS NULL OR leased_until < ?1) ${scope}
                  ORDER BY next_attempt_at LIMIT ?2)
     RETURNING id`,
  )
    .bind(now, opts.limit ?? 100, ...(opts.programId ? [opts.programId] : []))
    .all<{ id: string }>();
  if (results.length > 0) {
    await env.WEBHOOKS.sendBatch(results.map((r) => ({ body: { delivery_id: r.id } satisfies WebhookMessage })));
  }
  return results.length;
}

/** The WEBHOOKS queue's consumer: each message is one delivery, attempted now; the batch's run concurrently. */
export async function consumeWebhooks(
  batch: MessageBatch<WebhookMessage>,
  env: Pick<Env, "DB">,
  options: DeliveryOptions = {},
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const outcome = await attemptDelivery(env, message.body.delivery_id, options);
        if (outcome.retryInSeconds === undefined) message.ack();
        else message.retry({ delaySeconds: outcome.retryInSeconds });
      } catch (err) {
        // Our own failure (D1 unavailable): nothing was recorded; try the message again shortly.
        console.error("webhook delivery failed before sending", {
          delivery: message.body.delivery_id,
          err: String(err),
        });
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}

export interface AttemptOutcome {
  /** Set when the message should come back (a failure with retries left, or a message that came early). */
  retryInSeconds?: number;
  delivery: DeliveryRow | null;
  attempt?: AttemptRow;
}

/**
 * One attempt of one delivery, if it is still waiting and nobody else is sending it. `retries: false` makes a
 * failure final (a test send). Returns what happened and when to come back.
 */
export async function attemptDelivery(
  env: Pick<Env, "DB">,
  deliveryId: string,
  options: DeliveryOptions & { retries?: boolean } = {},
): Promise<AttemptOutcome> {
  const db = env.DB;
  const now = (options.now ?? Date.now)();
  const timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const [claimed, context] = await db.batch([
    db
      .prepare(
        `UPDATE webhook_deliveries SET attempting_until = ?1
         WHERE id = ?2 AND state = 'pending' AND next_attempt_at <= ?3 AND (attempting_until IS NULL OR attempting_until < ?3)
         RETURNING *`,
      )
      .bind(now + timeoutMs + 30_000, deliveryId, now + 1_000),
    db
      .prepare(
        `SELECT d.state AS d_state, d.next_attempt_at AS d_next, e.id AS e_id, e.type AS e_type,
           e.snapshot AS e_snapshot, e.payload AS e_payload, e.created_at AS e_created_at,
           w.url AS w_url, w.status AS w_status, w.secret AS w_secret, w.previous_secret AS w_previous_secret,
           w.previous_secret_until AS w_previous_secret_until, w.failing_since AS w_failing_since, p.*
         FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
         JOIN programs p ON p.id = d.program_id
         LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE d.id = ?`,
      )
      .bind(deliveryId),
  ]);
  const delivery = claimed?.results[0] as DeliveryRow | undefined;
  const ctx = context?.results[0] as (ContextRow & ProgramRow) | undefined;
  if (!delivery || !ctx) {
    // Done already, sent by another copy of the message right now, or early: come back when it is due.
    if (ctx?.d_state === "pending" && ctx.d_next > now + 1_000) {
      return { delivery: null, retryInSeconds: Math.ceil((ctx.d_next - now) / 1000) };
    }
    return { delivery: null };
  }
  const program = toProgram(ctx);
  const endpoint = ctx.w_url
    ? {
        url: ctx.w_url,
        status: ctx.w_status,
        secret: ctx.w_secret,
        previous_secret: ctx.w_previous_secret,
        previous_secret_until: ctx.w_previous_secret_until,
        failing_since: ctx.w_failing_since,
      }
    : null;
  const isTest = ctx.e_type === TEST_EVENT_TYPE;
  if (!endpoint || (endpoint.status !== "enabled" && !isTest)) {
    await db
      .prepare(
        "UPDATE webhook_deliveries SET state = 'cancelled', last_error = ?, attempting_until = NULL WHERE id = ?",
      )
      .bind(endpoint ? "endpoint disabled" : "endpoint deleted", deliveryId)
      .run();
    return { delivery: { ...delivery, state: "cancelled" } };
  }

  const payload =
    ctx.e_payload ??
    (await storePayload(
      db,
      ctx.e_id,
      buildPayload({ type: ctx.e_type, snapshot: ctx.e_snapshot, created_at: ctx.e_created_at }, program),
    ));
  const result = await send(endpoint, program, ctx.e_id, payload, now, timeoutMs);
  const attempt: AttemptRow = {
    id: newId("wha"),
    delivery_id: deliveryId,
    program_id: delivery.program_id,
    attempt: delivery.attempts + 1,
    started_at: now,
    ...result,
  };
  return record(db, { delivery, endpoint: { ...endpoint, id: delivery.endpoint_id }, attempt, now, options, isTest });
}

interface ContextRow {
  d_state: DeliveryRow["state"];
  d_next: number;
  e_id: string;
  e_type: string;
  e_snapshot: string;
  e_payload: string | null;
  e_created_at: number;
  w_url: string | null;
  w_status: EndpointRow["status"];
  w_secret: string;
  w_previous_secret: string | null;
  w_previous_secret_until: number | null;
  w_failing_since: number | null;
}

/** The first build wins: every attempt and replay sends the bytes stored here. */
async function storePayload(db: D1Database, eventId: string, built: string): Promise<string> {
  const row = await db
    .prepare("UPDATE webhook_events SET payload = COALESCE(payload, ?) WHERE id = ? RETURNING payload")
    .bind(built, eventId)
    .first<{ payload: string }>();
  return row?.payload ?? built;
}

type SendResult = Pick<AttemptRow, "status" | "latency_ms" | "response_excerpt" | "error">;

async function send(
  endpoint: Pick<EndpointRow, "url" | "secret" | "previous_secret" | "previous_secret_until">,
  program: Program,
  messageId: string,
  payload: string,
  now: number,
  timeoutMs: number,
): Promise<SendResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  // Checked again at send time: the program may have left test mode since the URL was saved.
  const checked = checkDestination(endpoint.url, program.testMode);
  if (!checked.ok) {
    return { status: null, latency_ms: 0, response_excerpt: null, error: `The URL ${checked.reason}.` };
  }
  try {
    const response = await fetch(checked.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": messageId,
        "webhook-timestamp": String(Math.floor(now / 1000)),
        "webhook-signature": signatureHeader(signingSecrets(endpoint, now), messageId, new Date(now), payload),
      },
      body: payload,
    });
    const excerpt = await readExcerpt(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      latency_ms: elapsed(),
      response_excerpt: excerpt,
      error: ok ? null : response.status >= 300 && response.status < 400 ? "redirects are not followed" : null,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      status: null,
      latency_ms: elapsed(),
      response_excerpt: null,
      error: timedOut ? `no answer within ${timeoutMs / 1000} s` : `could not connect: ${String(err).slice(0, 200)}`,
    };
  }
}

/** The start of the answer's body, for the delivery log; the rest is never read. */
async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body that breaks off: keep what arrived.
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, EXCERPT_CHARS) || null;
}

/** Writes the attempt, the delivery's new state and the endpoint's health in one batch. */
async function record(
  db: D1Database,
  a: {
    delivery: DeliveryRow;
    endpoint: Pick<EndpointRow, "id" | "url" | "failing_since">;
    attempt: AttemptRow;
    now: number;
    options: DeliveryOptions & { retries?: boolean };
    isTest: boolean;
  },
): Promise<AttemptOutcome> {
  const { delivery, endpoint, attempt, now } = a;
  const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
  const attempts = delivery.attempts + 1;
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO webhook_attempts (id, delivery_id, program_id, attempt, started_at, status, latency_ms,
           response_excerpt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        attempt.id,
        attempt.delivery_id,
        attempt.program_id,
        attempt.attempt,
        attempt.started_at,
        attempt.status,
        attempt.latency_ms,
        attempt.response_excerpt,
        attempt.error,
      ),
  ];
  const lastError = ok ? null : (attempt.error ?? `answered ${attempt.status}`);
  let next: DeliveryRow;
  let retryInSeconds: number | undefined;
  if (ok) {
    next = { ...delivery, state: "delivered", attempts, delivered_at: now };
    if (!a.isTest) {
      statements.push(
        db
          .prepare("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL")
          .bind(endpoint.id),
      );
    }
  } else {
    const delay = a.options.retries === false ? null : retryDelaySeconds(attempts, a.options.random);
    const failingSince = endpoint.failing_since ?? now;
    const disable = !a.isTest && now - failingSince >= DISABLE_AFTER_MS;
    if (delay === null || disable || attempts >= MAX_ATTEMPTS) {
      next = { ...delivery, state: "failed", attempts };
    } else {
      retryInSeconds = delay;
      next = {
        ...delivery,
        attempts,
        next_attempt_at: now + delay * 1000,
        leased_until: now + delay * 1000 + LEASE_MS,
      };
    }
    if (!a.isTest) {
      statements.push(
        db
          .prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL")
          .bind(now, endpoint.id),
      );
    }
    if (disable) statements.push(...disableStatements(db, delivery.program_id, endpoint, failingSince, now));
  }
  next = { ...next, attempting_until: null, last_status: attempt.status, last_error: lastError };
  statements.push(
    db
      .prepare(
        `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, leased_until = ?,
           attempting_until = NULL, last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?`,
      )
      .bind(
        next.state,
        next.attempts,
        next.next_attempt_at,
        next.leased_until,
        next.last_status,
        next.last_error,
        next.delivered_at,
        delivery.id,
      ),
  );
  await db.batch(statements);
  return { delivery: next, attempt, ...(retryInSeconds !== undefined ? { retryInSeconds } : {}) };
}

/**
 * An endpoint that has failed every attempt for 3 days is disabled, its waiting deliveries fail, and the
 * program's audit log says why. Enabling it again (`PATCH {"enabled": true}`) starts afresh; replay what it missed.
 */
function disableStatements(
  db: D1Database,
  programId: string,
  endpoint: Pick<EndpointRow, "id" | "url">,
  failingSince: number,
  now: number,
): D1PreparedStatement[] {
  const reason = `Every delivery failed for 3 days (since ${new Date(failingSince).toISOString()}).`;
  return [
    // Recorded once, by whichever of the endpoint's failing deliveries disables it first.
    auditStatement(
      db,
      {
        programId,
        action: "webhook_endpoint.disabled",
        actor: "system",
        reason,
        data: { endpoint_id: endpoint.id, url: endpoint.url, failing_since: new Date(failingSince).toISOString() },
      },
      now,
      { sql: "EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ? AND status = 'enabled')", params: [endpoint.id] },
    ),
    db
      .prepare(
        "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ? AND status = 'enabled'",
      )
      .bind(reason, now, endpoint.id),
    db
      .prepare(
        "UPDATE webhook_deliveries SET state = 'failed', last_error = 'endpoint disabled' WHERE endpoint_id = ? AND state = 'pending'",
      )
      .bind(endpoint.id),
  ];
}

/** A new delivery of a delivery's event to its endpoint, sent with the same `webhook-id` and body. */
export async function replayDelivery(db: D1Database, programId: string, id: string): Promise<DeliveryRow> {
  const now = Date.now();
  const replay = await db
    .prepare(
      `INSERT INTO webhook_deliveries (id, program_id, event_id, endpoint_id, state, next_attempt_at, replay_of, created_at)
       SELECT ?, d.program_id, d.event_id, d.endpoint_id, 'pending', ?, d.id, ?
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.status = 'enabled'
       WHERE d.id = ? AND d.program_id = ?
       RETURNING *`,
    )
    .bind(newId("whd"), now, now, id, programId)
    .first<DeliveryRow>();
  if (replay) return replay;
  const exists = await db
    .prepare("SELECT endpoint_id FROM webhook_deliveries WHERE id = ? AND program_id = ?")
    .bind(id, programId)
    .first<{ endpoint_id: string }>();
  if (!exists) throw new ApiError("webhook_delivery_not_found", `No delivery ${id} in this program.`);
  throw new ApiError(
    "webhook_endpoint_disabled",
    "The delivery's endpoint is disabled or deleted: enable it (`PATCH /v1/webhook-endpoints/{id}`) first.",
    { endpoint_id: exists.endpoint_id },
  );
}

/** A `webhook.test` event sent to one endpoint now, once, from the request: the answer shows what happened. */
export async function sendTest(env: Pick<Env, "DB">, programId: string, endpointId: string): Promise<AttemptOutcome> {
  const now = Date.now();
  const eventId = newId("msg");
  const deliveryId = newId("whd");
  const snapshot = JSON.stringify({ endpoint_id: endpointId, message: "This is a test delivery from Vouch." });
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO webhook_events (id, program_id, type, snapshot, created_at) VALUES (?, ?, ?, ?, ?)",
    ).bind(eventId, programId, TEST_EVENT_TYPE, snapshot, now),
    env.DB.prepare(
      `INSERT INTO webhook_deliveries (id, program_id, event_id, endpoint_id, state, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    ).bind(deliveryId, programId, eventId, endpointId, now, now),
  ]);
  return attemptDelivery(env, deliveryId, { retries: false });
}
