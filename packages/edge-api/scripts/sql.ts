import type { Statement } from "../src/lib/sql";

function literal(v: string | number | null): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  return `'${v.replace(/'/g, "''")}'`;
}

/** Inlines parameters so statements can go through `wrangler d1 execute --file`. */
export function toSqlScript(statements: Statement[], opts: { orIgnore?: boolean } = {}): string {
  return statements
    .map((s) => {
      let i = 0;
      let sql = s.sql.replace(/\?/g, () => literal(s.params[i++] ?? null));
      if (opts.orIgnore) sql = sql.replace(/^\s*INSERT INTO/, "INSERT OR IGNORE INTO");
      return `${sql.replace(/\s+/g, " ").trim()};`;
    })
    .join("\n");
}
