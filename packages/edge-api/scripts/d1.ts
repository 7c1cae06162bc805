import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Keeps wrangler off the network: no metrics, no request.cf lookups. */
export const OFFLINE_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
};

export function wranglerBin(): string {
  return path.join(API_DIR, "node_modules", ".bin", "wrangler");
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? API_DIR,
      env: { ...process.env, ...OFFLINE_ENV, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${out}`));
    });
  });
}

export interface D1Target {
  /** `--local` with a persistence folder, or `--remote` for a deployed database. */
  mode: "local" | "remote";
  persistTo?: string;
  env?: string;
}

function targetArgs(t: D1Target): string[] {
  const args = t.mode === "local" ? ["--local"] : ["--remote"];
  if (t.persistTo) args.push("--persist-to", t.persistTo);
  if (t.env) args.push("--env", t.env);
  return args;
}

export function migrate(t: D1Target): Promise<string> {
  return run(wranglerBin(), ["d1", "migrations", "apply", "DB", ...targetArgs(t)]);
}

export async function executeSql(t: D1Target, sql: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "vouch-sql-"));
  const file = path.join(dir, "statements.sql");
  writeFileSync(file, sql);
  try {
    return await run(wranglerBin(), ["d1", "execute", "DB", ...targetArgs(t), "--file", file, "--yes"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one read query and returns its rows. */
export async function querySql<T = Record<string, unknown>>(t: D1Target, sql: string): Promise<T[]> {
  // The JSON result is printed at log level, which OFFLINE_ENV's "warn" would hide.
  const out = await run(wranglerBin(), ["d1", "execute", "DB", ...targetArgs(t), "--command", sql, "--json"], {
    env: { WRANGLER_LOG: "log" },
  });
  const start = out.indexOf("[");
  const parsed = JSON.parse(out.slice(start)) as { results: T[] }[];
  return parsed.flatMap((r) => r.results);
}
