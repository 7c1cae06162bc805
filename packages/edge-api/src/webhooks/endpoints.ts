import { Webhook } from "standardwebhooks";
import { auditStatement } from "../lib/audit";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Page } from "../lib/pagination";
import { listPage, rowInProgram } from "../lib/program-rows";
import { iso } from "../lib/time";
import type { Program } from "../programs/service";
import { checkDestination } from "./destination";

export interface EndpointRow {
  id: string;
  program_id: string;
  url: string;
  description: string;
  event_types: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

export function endpointView(r: EndpointRow) {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.event_types) as string[],
    status: r.status,
    disabled_reason: r.disabled_reason,
    failing_since: iso(r.failing_since),
    previous_secret_expires_at: r.previous_secret ? iso(r.previous_secret_until) : null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newEndpointSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one during its grace period. */
export function signingSecrets(
  e: Pick<EndpointRow, "secret" | "previous_secret" | "previous_secret_until">,
  now: number,
) {
  return e.previous_secret && (e.previous_secret_until ?? 0) > now ? [e.secret, e.previous_secret] : [e.secret];
}

/** `webhook-signature`: one `v1,<base64>` per signing secret, space-separated (Standard Webhooks). */
export function signatureHeader(secrets: readonly string[], messageId: string, at: Date, payload: string): string {
  return secrets.map((s) => new Webhook(s).sign(messageId, at, payload)).join(" ");
}

function destination(program: Program, url: string): string {
  const checked = checkDestination(url, program.testMode);
  if (!checked.ok) {
    throw new ApiError("invalid_webhook_url", `The webhook URL ${checked.reason}.`, { url, reason: checked.reason });
  }
  return checked.url.toString();
}

export function getEndpoint(db: D1Database, programId: string, id: string): Promise<EndpointRow> {
  return rowInProgram<EndpointRow>(db, "webhook_endpoints", programId, id, ["webhook_endpoint_not_found", "endpoint"]);
}

export function listEndpoints(
  db: D1Database,
  programId: string,
  q: { limit: number; cursor?: string | undefined },
): Promise<Page<EndpointRow>> {
  return listPage<EndpointRow>(db, { table: "webhook_endpoints" }, { program_id: programId }, q);
}

/** At most this many endpoints per program: each event is one delivery per endpoint. */
export const MAX_ENDPOINTS = 20;

export async function createEndpoint(
  db: D1Database,
  program: Program,
  input: { url: string; description?: string | undefined; events: string[] },
  actor: string,
): Promise<EndpointRow> {
  const url = destination(program, input.url);
  const now = Date.now();
  const row: EndpointRow = {
    id: newId("whe"),
    program_id: program.id,
    url,
    description: input.description ?? "",
    event_types: JSON.stringify(input.events),
    secret: newEndpointSecret(),
    previous_secret: null,
    previous_secret_until: null,
    status: "enabled",
    disabled_reason: null,
    failing_since: null,
    created_at: now,
    updated_at: now,
  };
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO webhook_endpoints (id, program_id, url, description, event_types, secret, status, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, 'enabled', ?, ?
         WHERE (SELECT COUNT(*) FROM webhook_endpoints WHERE program_id = ?) < ? RETURNING id`,
      )
      .bind(row.id, program.id, url, row.description, row.event_types, row.secret, now, now, program.id, MAX_ENDPOINTS),
    auditStatement(db, {
      programId: program.id,
      action: "webhook_endpoint.created",
      actor,
      data: { endpoint_id: row.id, url, events: input.events },
    }),
  ]);
  if (!inserted?.results.length) {
    throw new ApiError("conflict", `A program has at most ${MAX_ENDPOINTS} webhook endpoints: delete one first.`);
  }
  return row;
}

export async function updateEndpoint(
  db: D1Database,
  program: Program,
  id: string,
  input: {
    url?: string | undefined;
    description?: string | undefined;
    events?: string[] | undefined;
    enabled?: boolean | undefined;
  },
  actor: string,
): Promise<EndpointRow> {
  const current = await getEndpoint(db, program.id, id);
  const now = Date.now();
  const next: EndpointRow = {
    ...current,
    url: input.url !== undefined ? destination(program, input.url) : current.url,
    description: input.description ?? current.description,
    event_types: input.events ? JSON.stringify(input.events) : current.event_types,
    updated_at: now,
  };
  if (input.enabled === true && current.status === "disabled") {
    // A fresh start: the next failure starts a new 3-day window.
    Object.assign(next, { status: "enabled", disabled_reason: null, failing_since: null });
  } else if (input.enabled === false && current.status === "enabled") {
    Object.assign(next, { status: "disabled", disabled_reason: "Disabled through the API." });
  }
  await db.batch([
    db
      .prepare(
        `UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, status = ?, disabled_reason = ?,
           failing_since = ?, updated_at = ? WHERE id = ? AND program_id = ?`,
      )
      .bind(
        next.url,
        next.description,
        next.event_types,
        next.status,
        next.disabled_reason,
        next.failing_since,
        now,
        id,
        program.id,
      ),
    auditStatement(db, {
      programId: program.id,
      action: "webhook_endpoint.updated",
      actor,
      data: { endpoint_id: id, ...input },
    }),
  ]);
  return next;
}

/** Deletes the endpoint; its deliveries still waiting are cancelled (their log stays). */
export async function deleteEndpoint(db: D1Database, programId: string, id: string, actor: string): Promise<void> {
  await getEndpoint(db, programId, id);
  await db.batch([
    db.prepare("DELETE FROM webhook_endpoints WHERE id = ? AND program_id = ?").bind(id, programId),
    db
      .prepare(
        "UPDATE webhook_deliveries SET state = 'cancelled', last_error = 'endpoint deleted' WHERE endpoint_id = ? AND state = 'pending'",
      )
      .bind(id),
    auditStatement(db, { programId, action: "webhook_endpoint.deleted", actor, data: { endpoint_id: id } }),
  ]);
}

/**
 * A new signing secret. For `graceHours` the old one signs too (each delivery carries both signatures), so
 * the receiver can switch secrets whenever it likes within that window; 0 retires the old one now.
 */
export async function rotateEndpointSecret(
  db: D1Database,
  programId: string,
  id: string,
  graceHours: number,
  actor: string,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const current = await getEndpoint(db, programId, id);
  const now = Date.now();
  const secret = newEndpointSecret();
  const until = graceHours > 0 ? now + graceHours * 3_600_000 : null;
  const previous = until ? current.secret : null;
  const [rotated] = await db.batch([
    db
      .prepare(
        `UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ?
         WHERE id = ? AND program_id = ? AND secret = ? RETURNING id`,
      )
      .bind(secret, previous, until, now, id, programId, current.secret),
    auditStatement(db, {
      programId,
      action: "webhook_endpoint.secret_rotated",
      actor,
      data: { endpoint_id: id, grace_hours: graceHours },
    }),
  ]);
  if (!rotated?.results.length)
    throw new ApiError("conflict", "The secret was rotated at the same time: read it again.");
  return {
    endpoint: { ...current, secret, previous_secret: previous, previous_secret_until: until, updated_at: now },
    secret,
  };
}
