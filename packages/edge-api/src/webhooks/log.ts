import { ApiError } from "../lib/errors";
import { type Page, pageOf, pageStart } from "../lib/pagination";
import { iso } from "../lib/time";
import type { AttemptRow, DeliveryRow } from "./delivery";

/** A delivery with its event's type and time, as the log lists it. */
export type DeliveryLogRow = DeliveryRow & { event_type: string; event_created_at: number };

export function deliveryView(d: DeliveryLogRow) {
  return {
    id: d.id,
    endpoint_id: d.endpoint_id,
    event: { id: d.event_id, type: d.event_type, created_at: iso(d.event_created_at) },
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.state === "pending" ? iso(d.next_attempt_at) : null,
    last_status: d.last_status,
    last_error: d.last_error,
    delivered_at: iso(d.delivered_at),
    replay_of: d.replay_of,
    created_at: iso(d.created_at),
  };
}

export function attemptView(a: AttemptRow) {
  return {
    attempt: a.attempt,
    started_at: iso(a.started_at),
    status: a.status,
    latency_ms: a.latency_ms,
    response_excerpt: a.response_excerpt,
    error: a.error,
  };
}

const SELECT_LOG = `SELECT d.*, e.type AS event_type, e.created_at AS event_created_at
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`;

/** The delivery log, newest first, by endpoint, state and event type. */
export async function listDeliveries(
  db: D1Database,
  programId: string,
  q: {
    endpoint_id?: string | undefined;
    state?: string | undefined;
    event_type?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<DeliveryLogRow>> {
  const [at, id] = pageStart(q.cursor);
  const where = ["d.program_id = ?", "(d.created_at, d.id) < (?, ?)"];
  const params: (string | number)[] = [programId, at, id];
  for (const [column, value] of [
    ["d.endpoint_id", q.endpoint_id],
    ["d.state", q.state],
    ["e.type", q.event_type],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const { results } = await db
    .prepare(`${SELECT_LOG} WHERE ${where.join(" AND ")} ORDER BY d.created_at DESC, d.id DESC LIMIT ?`)
    .bind(...params, q.limit + 1)
    .all<DeliveryLogRow>();
  return pageOf(results, q.limit);
}

/** One delivery with every attempt, oldest first, and the exact body it sends. */
export async function deliveryDetail(db: D1Database, programId: string, id: string) {
  const [delivery, attempts, event] = await db.batch([
    db.prepare(`${SELECT_LOG} WHERE d.id = ? AND d.program_id = ?`).bind(id, programId),
    db
      .prepare("SELECT * FROM webhook_attempts WHERE delivery_id = ? AND program_id = ? ORDER BY attempt")
      .bind(id, programId),
    db
      .prepare(
        "SELECT e.payload FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id WHERE d.id = ? AND d.program_id = ?",
      )
      .bind(id, programId),
  ]);
  const row = delivery?.results[0] as DeliveryLogRow | undefined;
  if (!row) throw new ApiError("webhook_delivery_not_found", `No delivery ${id} in this program.`);
  const payload = (event?.results[0] as { payload: string | null } | undefined)?.payload ?? null;
  return {
    delivery: deliveryView(row),
    attempts: ((attempts?.results ?? []) as AttemptRow[]).map(attemptView),
    payload: payload === null ? null : (JSON.parse(payload) as unknown),
  };
}

export async function deliveryLogRow(db: D1Database, id: string): Promise<DeliveryLogRow> {
  const row = await db.prepare(`${SELECT_LOG} WHERE d.id = ?`).bind(id).first<DeliveryLogRow>();
  if (!row) throw new ApiError("webhook_delivery_not_found", `No delivery ${id}.`);
  return row;
}
