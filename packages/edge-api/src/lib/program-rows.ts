import { ApiError, type ErrorCode } from "./errors";
import { type Page, pageOf, pageStart } from "./pagination";

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
  /** A search term matched, case-insensitively, anywhere in any of these columns. */
  search?: { term: string | undefined; columns: string[] },
): Promise<Page<T>> {
  const [cursorAt, cursorId] = pageStart(q.cursor, order);
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (search?.term) {
    const pattern = `%${search.term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(${search.columns.map((c) => `lower(${c}) LIKE ? ESCAPE '\\'`).join(" OR ")})`);
    for (const _ of search.columns) params.push(pattern);
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

/**
 * One row of a program by id (`SELECT * FROM table WHERE id = ? AND program_id = ?`), or `notFound` ("No review
 * rev_… in this program."): another program's row is as unknown as a missing one.
 */
export async function rowInProgram<T>(
  db: D1Database,
  table: string,
  programId: string,
  id: string,
  notFound: [code: ErrorCode, what: string],
  columns = "*",
): Promise<T> {
  const row = await db
    .prepare(`SELECT ${columns} FROM ${table} WHERE id = ? AND program_id = ?`)
    .bind(id, programId)
    .first<T>();
  if (!row) throw new ApiError(notFound[0], `No ${notFound[1]} ${id} in this program.`);
  return row;
}
