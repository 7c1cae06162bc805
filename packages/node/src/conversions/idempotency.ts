import { sha256Hex } from "../runtime/hash";

/**
 * JSON with object keys sorted and `undefined` members left out, so two objects with the same fields give
 * the same text whatever order they were written in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && (value as object).constructor === Object) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}

/**
 * The automatic `Idempotency-Key` of a write: `vouch-auto-` + hex SHA-256 of the method, the path and the
 * canonical JSON body. The same call (same fields, in any order) always gets the same key, so a retry, a
 * re-run job or a webhook delivered twice is recorded once, and the API answers the first result again.
 * The body is sent in the same canonical form, because the API also checks that a key comes with the body
 * it was first used with. Two different calls never share a key.
 */
export async function automaticIdempotencyKey(method: string, path: string, canonicalBody: string): Promise<string> {
  return `vouch-auto-${await sha256Hex(`${method} ${path}\n${canonicalBody}`)}`;
}
