import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { inject } from "vitest";
import { consumeWebhooks, type WebhookMessage } from "../src/webhooks/delivery";
import { server, type TestProgram } from "./fixtures";

/** A receiver of its own on the local test server (test/local-servers.ts). */
export function receiver(name = `r${crypto.randomUUID().slice(0, 8)}`) {
  const base = inject("receiverUrl");
  return {
    url: `${base}/hooks/${name}`,
    async behave(b: { status?: number; delay_ms?: number; body?: string }) {
      await fetch(`${base}/control/${name}`, { method: "PUT", body: JSON.stringify(b) });
    },
    async log(): Promise<{ headers: Record<string, string>; body: string; at: number; answered_at?: number }[]> {
      return (await fetch(`${base}/log/${name}`)).json();
    },
  };
}

export async function addEndpoint(p: TestProgram, url: string, events: string[] = ["*"]) {
  const { res, json } = await server(p, "POST", "/v1/webhook-endpoints", { url, events });
  if (res.status !== 201) throw new Error(`endpoint: ${res.status} ${JSON.stringify(json)}`);
  return json as { endpoint: { id: string }; secret: string };
}

export async function deliveriesOf(programId: string) {
  const { results } = await env.DB.prepare(
    `SELECT d.*, e.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.program_id = ? ORDER BY e.created_at, d.created_at`,
  )
    .bind(programId)
    .all<{ id: string; event_id: string; type: string; state: string; attempts: number }>();
  return results;
}

/**
 * The WEBHOOKS queue with a simulated clock: every message is handed to the real consumer when due, and a
 * message it retries comes back `delaySeconds` later, as Cloudflare Queues would do. Runs until the queue is
 * empty or `until` passes; `onTick` may change the world (the receiver comes back up) as time goes by.
 */
export async function runQueue(
  deliveryIds: string[],
  opts: { start: number; until?: number; onTick?: (now: number) => Promise<void> | void; timeoutMs?: number },
) {
  let inFlight = deliveryIds.map((id) => ({ id, due: opts.start, attempts: 1 }));
  let now = opts.start;
  let rounds = 0;
  while (inFlight.length > 0) {
    now = Math.max(now, Math.min(...inFlight.map((m) => m.due)));
    if (opts.until !== undefined && now > opts.until) break;
    await opts.onTick?.(now);
    const due = inFlight.filter((m) => m.due <= now);
    const batch = createMessageBatch<WebhookMessage>(
      "vouch-webhooks",
      due.map((m) => ({ id: m.id, timestamp: new Date(now), attempts: m.attempts, body: { delivery_id: m.id } })),
    );
    const ctx = createExecutionContext();
    await consumeWebhooks(batch, env, { now: () => now, random: () => 0, timeoutMs: opts.timeoutMs ?? 2_000 });
    const result = await getQueueResult(batch, ctx);
    // A retried message comes back when its delivery is next due (the consumer asked the queue for that delay;
    // the test pool does not report delays, so it is read where the consumer recorded it).
    const retried = new Set(result.retryMessages.map((r) => r.msgId));
    const next = new Map<string, number>();
    for (const id of retried) {
      const row = await env.DB.prepare("SELECT next_attempt_at FROM webhook_deliveries WHERE id = ?")
        .bind(id)
        .first<{ next_attempt_at: number }>();
      next.set(id, Math.max(row?.next_attempt_at ?? now, now + 1));
    }
    inFlight = [
      ...inFlight.filter((m) => m.due > now),
      ...due
        .filter((m) => retried.has(m.id))
        .map((m) => ({ id: m.id, due: next.get(m.id) ?? now, attempts: m.attempts + 1 })),
    ];
    if (++rounds > 1000) throw new Error("the queue never drained");
  }
  return now;
}
