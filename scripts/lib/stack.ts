import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { API_DIR, OFFLINE_ENV, wranglerBin } from "../../packages/edge-api/scripts/d1";
import { migrateAndSeed } from "../../packages/edge-api/scripts/seed";

/** Not a secret: it only protects the local stack's throwaway database. */
const DEV_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LWZvci10aGUtbG9jYWwtc3RhY2s=";

export { DEMO } from "../../packages/edge-api/scripts/demo";

/**
 * The examples' servers import `@vouch/node` from its built `dist/` (plain `.mjs`, no build step of their
 * own): build its JavaScript (a fraction of a second) before starting one.
 */
export function buildSdk(): void {
  execFileSync(process.execPath, [path.join(API_DIR, "../node/build.mjs"), "--js"], { stdio: "ignore" });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs = 60_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

export interface ApiHandle {
  url: string;
  port: number;
  persistTo: string;
  stop(): Promise<void>;
  /** Everything wrangler printed, for failure messages. */
  output(): string;
}

export interface StartApiOptions {
  port?: number;
  /** Local D1 folder. Default: a new temporary folder, removed on stop. */
  persistTo?: string;
  marketingPort?: number;
  dashboardPort?: number;
  extraOrigins?: string[];
  /** Seed the demo program's reward rules too (`pnpm dev`, the widget's browser tests); benches start without. */
  demoRules?: boolean;
  /** Wrangler environment, e.g. "bench" for roomier rate limits. */
  env?: string;
  inherit?: boolean;
  /** Expose the Worker's cron at /__scheduled (wrangler's --test-scheduled), for a caller that runs it. */
  scheduled?: boolean;
  /** Extra Worker vars (`--var NAME:value`), e.g. a provider's API URL pointing at a local fake. */
  vars?: Record<string, string>;
}

/** Migrates and seeds a local D1, then runs the API on workerd with `wrangler dev`. */
export async function startApi(opts: StartApiOptions = {}): Promise<ApiHandle> {
  const port = opts.port ?? (await freePort());
  const temp = !opts.persistTo;
  const persistTo = opts.persistTo ?? mkdtempSync(path.join(tmpdir(), "vouch-d1-"));
  await migrateAndSeed(
    { mode: "local", persistTo, ...(opts.env ? { env: opts.env } : {}) },
    {
      marketingPort: opts.marketingPort,
      dashboardPort: opts.dashboardPort,
      extraOrigins: opts.extraOrigins,
      rules: opts.demoRules,
    },
  );
  const inspector = await freePort();
  const args = [
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    persistTo,
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    // Rate limits in memory, as in the tests: on local workerd a rate-limit binding call costs as much as
    // a whole request (src/lib/rate-limit.ts).
    "--var",
    "RATE_LIMIT_BACKEND:memory",
  ];
  if (opts.scheduled) args.push("--test-scheduled");
  for (const [name, value] of Object.entries(opts.vars ?? {})) args.push("--var", `${name}:${value}`);
  if (opts.env) args.push("--env", opts.env);
  // A local stack is not production: the local mail provider's messages are readable at /dev/mail.
  // A local-only key seals CRM credentials (src/integrations/crm/vault.ts); deployments set their own secret.
  else args.push("--var", "VOUCH_ENV:development", "--var", `VOUCH_ENCRYPTION_KEY:dev:${DEV_ENCRYPTION_KEY}`);
  const child = spawn(wranglerBin(), args, {
    cwd: API_DIR,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", opts.inherit ? "inherit" : "pipe", opts.inherit ? "inherit" : "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, "SIGKILL");
          } catch {}
          resolve();
        }, 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (temp) rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/health`, 90_000, child);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return { url, port, persistTo, stop, output: () => out };
}
