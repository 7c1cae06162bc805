import { newId } from "./ids";
import { iso } from "./time";

export interface AuditEntry {
  programId: string;
  action: string;
  /** An API key id, `fraud-engine` or `system`. */
  actor: string;
  referralId?: string | null;
  memberId?: string | null;
  reason?: string | null;
  data?: Record<string, unknown>;
}

/**
 * One append-only audit row, as a statement for the batch that makes the change it records, so the
 * change and its record land together or not at all.
 */
export function auditStatement(
  db: D1Database,
  entry: AuditEntry,
  now = Date.now(),
  /** A condition (SQL and its parameters): the row is written only if it holds when the batch runs. */
  onlyIf?: { sql: string; params: unknown[] },
): D1PreparedStatement {
  const values = "?, ?, ?, ?, ?, ?, ?, ?, ?";
  return db
    .prepare(
      `INSERT INTO audit_log (id, program_id, referral_id, member_id, action, actor, reason, data, created_at)
       ${onlyIf ? `SELECT ${values} WHERE ${onlyIf.sql}` : `VALUES (${values})`}`,
    )
    .bind(
      newId("aud"),
      entry.programId,
      entry.referralId ?? null,
      entry.memberId ?? null,
      entry.action,
      entry.actor,
      entry.reason ?? null,
      entry.data ? JSON.stringify(entry.data) : null,
      now,
      ...(onlyIf?.params ?? []),
    );
}

export interface AuditRow {
  id: string;
  referral_id: string | null;
  member_id: string | null;
  action: string;
  actor: string;
  reason: string | null;
  data: string | null;
  created_at: number;
}

export function auditView(r: AuditRow) {
  return {
    id: r.id,
    action: r.action,
    actor: r.actor,
    referral_id: r.referral_id,
    member_id: r.member_id,
    reason: r.reason,
    data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
    created_at: iso(r.created_at),
  };
}
