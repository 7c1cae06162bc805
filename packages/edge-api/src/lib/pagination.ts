import { z } from "zod";
import { ApiError } from "./errors";

/** `limit` (1–200, default 50) and `cursor`, the query of every list. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

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

const createdAtKey = (row: { created_at: number; id: string }) => `${row.created_at}:${row.id}`;

/**
 * The page of `limit` rows and the cursor of the next page (the query fetched one row more to know).
 * `key` gives a row's sort key: `created_at:id` by default, for `pageStart`.
 */
export function pageOf<T extends { created_at: number; id: string }>(
  rows: T[],
  limit: number,
): { page: T[]; next_cursor: string | null };
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => string): { page: T[]; next_cursor: string | null };
export function pageOf<T>(
  rows: T[],
  limit: number,
  key = createdAtKey as unknown as (row: T) => string,
): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    next_cursor: rows.length > limit && last ? btoa(key(last)).replace(/=+$/, "") : null,
  };
}

export interface Page<T> {
  page: T[];
  next_cursor: string | null;
}

/**
 * One page of a list route: `SELECT columns FROM table WHERE <filters> AND (created_at, id) < cursor`, newest
 * first (or oldest first with `order: "asc"`). `filters` are equality tests on trusted column names; an
 * undefined value leaves its test out. Every list (members, referrals, rewards, reviews, keys) reads this way.
 */
export async function listPage<T extends { created_at: number; id: string }>(
  db: D1Database,
  from: { table: string; columns?: string },
  filters: Record<string, string | number | undefined>,
  q: { limit: number; cursor?: string | undefined },
  order: "desc" | "asc" = "desc",
): Promise<Page<T>> {
  const [cursorAt, cursorId] = pageStart(q.cursor, order);
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  where.push(`(created_at, id) ${order === "desc" ? "<" : ">"} (?, ?)`);
  const direction = order === "desc" ? " DESC" : "";
  const { results } = await db
    .prepare(
      `SELECT ${from.columns ?? "*"} FROM ${from.table} WHERE ${where.join(" AND ")}
       ORDER BY created_at${direction}, id${direction} LIMIT ?`,
    )
    .bind(...params, cursorAt, cursorId, q.limit + 1)
    .all<T>();
  return pageOf(results, q.limit);
}
