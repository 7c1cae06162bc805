/** A scalar SQL expression with its parameters, e.g. `{ sql: "?", params: [id] }` or a parenthesised subquery. */
export interface SqlRef {
  sql: string;
  params: (string | number | null)[];
}

export const valueRef = (value: string): SqlRef => ({ sql: "?", params: [value] });
