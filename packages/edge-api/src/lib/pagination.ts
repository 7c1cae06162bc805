import { ApiError } from "./errors";

/**
 * Keyset pagination over `(created_at, id)`, newest first: list routes select
 * `WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT limit + 1`.
 */
export function pageStart(cursor: string | undefined): [number, string] {
  if (!cursor) return [Number.MAX_SAFE_INTEGER, "\uffff"];
  try {
    const [at, id] = atob(cursor).split(":");
    const n = Number(at);
    if (Number.isFinite(n) && id) return [n, id];
  } catch {
    // fall through
  }
  throw new ApiError("bad_request", "The cursor is not one this API returned.");
}

/** The page of `limit` rows and the cursor of the next page (the query fetched one row more to know). */
export function pageOf<T extends { created_at: number; id: string }>(
  rows: T[],
  limit: number,
): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    next_cursor: rows.length > limit && last ? btoa(`${last.created_at}:${last.id}`).replace(/=+$/, "") : null,
  };
}
