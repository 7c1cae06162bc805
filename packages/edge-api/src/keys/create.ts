import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { Statement } from "../lib/sql";

export type ApiKeyType = "publishable" | "secret";

export interface KeyRow {
  id: string;
  type: ApiKeyType;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

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
