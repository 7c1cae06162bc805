/** A scalar SQL expression with its parameters, e.g. `{ sql: "?", params: [id] }` or a parenthesised subquery. */
export interface SqlRef {
  sql: string;
  params: (string | number | null)[];
}

export const valueRef = (value: string): SqlRef => ({ sql: "?", params: [value] });

/**
 * A statement with its parameters, runtime-neutral: the Worker binds it to D1, the `vouch` CLI inlines it for
 * `wrangler d1 execute` (scripts/sql.ts).
 */
export interface Statement {
  sql: string;
  params: (string | number | null)[];
}
