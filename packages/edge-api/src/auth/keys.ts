import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { type Program, type ProgramRow, toProgram } from "../programs/service";

export type KeyType = "publishable" | "secret";

export interface ResolvedKey {
  keyId: string;
  type: KeyType;
  program: Program;
}

const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; value: ResolvedKey }>();

export function keyTypeOf(key: string): KeyType | null {
  if (key.startsWith("vch_pk_")) return "publishable";
  if (key.startsWith("vch_sk_")) return "secret";
  return null;
}

/**
 * Resolves an API key to its program. Every request needs this, and on Workers a D1 round trip costs
 * as much as the rest of a small request, so each isolate keeps resolved keys for 30 s: a revocation or
 * settings change is immediate in the isolate that made it and reaches every other within 30 s.
 */
export async function resolveKey(db: D1Database, key: string, now = Date.now()): Promise<ResolvedKey> {
  const type = keyTypeOf(key);
  if (!type || key.length > 128)
    throw new ApiError("invalid_key", "The API key is malformed. Keys start with vch_pk_ or vch_sk_.");
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const hash = await sha256Hex(key);
  const row = await db
    .prepare(
      `SELECT k.id AS key_id, k.type AS key_type, p.*
       FROM api_keys k JOIN programs p ON p.id = k.program_id
       WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
    )
    .bind(hash)
    .first<ProgramRow & { key_id: string; key_type: KeyType }>();
  if (!row) throw new ApiError("invalid_key", "The API key is not valid or has been revoked.");
  const value: ResolvedKey = { keyId: row.key_id, type: row.key_type, program: toProgram(row) };
  if (cache.size > 1000) cache.clear();
  cache.set(key, { at: now, value });
  return value;
}

/** Drops a program's cached keys (after a settings change or revocation in this isolate). */
export function forgetProgram(programId: string): void {
  for (const [k, v] of cache) if (v.value.program.id === programId) cache.delete(k);
}
