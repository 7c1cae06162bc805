import { z } from "zod";
import { ApiError } from "./errors";

/** `limit` (1–200, default 50) and `cursor`, the query of every list. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** A page of a list: `data` and the cursor of the next page (null on the last). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last." }),
  });
}

function badCursor(): ApiError {
  return new ApiError("bad_request", "The cursor is not one this API returned.");
}

/** The sort key of a cursor; cursors are opaque to clients, so anything else is refused. */
function cursorKey(cursor: string): string {
  try {
    return atob(cursor);
  } catch {
    throw badCursor();
  }
}

/**
 * Keyset pagination over `(created_at, id)`. Newest first (the default), list routes select
 * `WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT limit + 1`; oldest first,
 * `WHERE (created_at, id) > (?, ?) ORDER BY created_at, id`.
 */
export function pageStart(cursor: string | undefined, order: "desc" | "asc" = "desc"): [number, string] {
  if (!cursor) return order === "desc" ? [Number.MAX_SAFE_INTEGER, "\uffff"] : [Number.MIN_SAFE_INTEGER, ""];
  const [at, id] = cursorKey(cursor).split(":");
  const n = Number(at);
  if (Number.isFinite(n) && id) return [n, id];
  throw badCursor();
}

/** Keyset pagination over one text key in ascending order: `WHERE key > ? ORDER BY key LIMIT limit + 1`. */
export function pageAfter(cursor: string | undefined): string {
  if (!cursor) return "";
  const key = cursorKey(cursor);
  if (key) return key;
  throw badCursor();
}

export interface Page<T> {
  page: T[];
  next_cursor: string | null;
}

const createdAtKey = (row: { created_at: number; id: string }) => `${row.created_at}:${row.id}`;

/**
 * The page of `limit` rows and the cursor of the next page (the query fetched one row more to know).
 * `key` gives a row's sort key: `created_at:id` by default, for `pageStart`.
 */
export function pageOf<T extends { created_at: number; id: string }>(rows: T[], limit: number): Page<T>;
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => string): Page<T>;
export function pageOf<T>(rows: T[], limit: number, key = createdAtKey as unknown as (row: T) => string): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    next_cursor: rows.length > limit && last ? btoa(key(last)).replace(/=+$/, "") : null,
  };
}
