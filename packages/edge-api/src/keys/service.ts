import { forgetProgram } from "../auth/keys";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { listPage } from "../lib/pagination";
import type { Statement } from "../lib/sql";

export type ApiKeyType = "publishable" | "secret";

export interface KeyRow {
  id: string;
  type: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

const KEY_COLUMNS = "id, type, key_prefix, created_at, revoked_at";

/** What lists show of a key. `vch_sk_live_` alone is the same for every key; four random characters tell them apart. */
export function keyPrefix(key: string): string {
  return `${key.slice(0, 16)}…`;
}

/** `vch_pk_live_…` / `vch_sk_test_…`: the type and mode are readable; the rest is random. */
export function generateApiKey(type: ApiKeyType, testMode: boolean): string {
  const mode = testMode ? "test_" : "live_";
  return type === "publishable" ? `vch_pk_${mode}${randomToken(18)}` : `vch_sk_${mode}${randomToken(24)}`;
}

/**
 * A new key for a program, as the one statement every creator runs (the API, a new program's batch and the
 * `vouch` CLI): only its SHA-256 and prefix are stored, and nothing is written for an unknown program.
 * `key` is the full key, shown once. `fixed` is for the local demo seed only.
 */
export async function newApiKey(
  programId: string,
  type: ApiKeyType,
  testMode: boolean,
  opts: { now?: number; fixed?: string } = {},
): Promise<{ key: string; row: KeyRow; statement: Statement }> {
  const key = opts.fixed ?? generateApiKey(type, testMode);
  const row: KeyRow = {
    id: newId("key"),
    type,
    key_prefix: keyPrefix(key),
    created_at: opts.now ?? Date.now(),
    revoked_at: null,
  };
  return {
    key,
    row,
    statement: {
      sql: `INSERT INTO api_keys (id, program_id, type, key_hash, key_prefix, created_at)
            SELECT ?, id, ?, ?, ?, ? FROM programs WHERE id = ?`,
      params: [row.id, type, await sha256Hex(key), row.key_prefix, row.created_at, programId],
    },
  };
}

export const keyView = (r: KeyRow) => ({
  id: r.id,
  type: r.type,
  prefix: r.key_prefix,
  created_at: new Date(r.created_at).toISOString(),
  revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
});

/** Oldest first, as before the list was paged. */
export function listKeys(db: D1Database, programId: string, q: { limit: number; cursor?: string | undefined }) {
  return listPage<KeyRow>(db, { table: "api_keys", columns: KEY_COLUMNS }, { program_id: programId }, q, "asc");
}

export async function createKey(db: D1Database, programId: string, type: ApiKeyType, testMode: boolean) {
  const { key, row, statement } = await newApiKey(programId, type, testMode);
  await db
    .prepare(statement.sql)
    .bind(...statement.params)
    .run();
  return { key, row };
}

/** Revokes a key (again is a no-op). Revoking the last live secret key would leave no way back into this API. */
export async function revokeKey(db: D1Database, programId: string, id: string): Promise<KeyRow> {
  const live = await db
    .prepare("SELECT id FROM api_keys WHERE program_id = ? AND type = 'secret' AND revoked_at IS NULL")
    .bind(programId)
    .all<{ id: string }>();
  if (live.results.length === 1 && live.results[0]?.id === id) {
    throw new ApiError("conflict", "This is the program's last secret key. Create a new one before revoking it.", {
      key_id: id,
    });
  }
  const row = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND program_id = ? RETURNING ${KEY_COLUMNS}`,
    )
    .bind(Date.now(), id, programId)
    .first<KeyRow>();
  if (!row) throw new ApiError("not_found", `No API key ${id} in this program.`);
  forgetProgram(programId);
  return row;
}
