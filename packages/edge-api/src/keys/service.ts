import { forgetProgram } from "../auth/keys";
import { ApiError } from "../lib/errors";
import { listPage } from "../lib/program-rows";
import { iso } from "../lib/time";
import { type ApiKeyType, type KeyRow, newApiKey } from "./create";

const KEY_COLUMNS = "id, type, key_prefix, created_at, revoked_at";

export const keyView = (r: KeyRow) => ({
  id: r.id,
  type: r.type,
  prefix: r.key_prefix,
  created_at: iso(r.created_at),
  revoked_at: iso(r.revoked_at),
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
