import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/app";
import { dispatchDue } from "./delivery";

/**
 * After a write, the program's new deliveries are queued at once (after the answer, in `waitUntil`), so a
 * webhook follows its change within a second or two; the every-minute cron is the safety net. Only programs
 * with an enabled endpoint pay for it: whether one has any is kept per isolate for 30 s (an endpoint created
 * in another isolate is picked up by the cron meanwhile).
 *
 * `WEBHOOK_DISPATCH=manual` (the test suite) leaves queueing to the caller, so tests drive delivery with a
 * simulated clock and nothing is sent behind their back.
 */
const CACHE_MS = 30_000;
const known = new Map<string, { at: number; has: boolean }>();

export function forgetEndpoints(programId: string): void {
  known.delete(programId);
}

async function hasEndpoints(db: D1Database, programId: string, now: number): Promise<boolean> {
  const hit = known.get(programId);
  if (hit && now - hit.at < CACHE_MS) return hit.has;
  const row = await db
    .prepare("SELECT 1 AS x FROM webhook_endpoints WHERE program_id = ? AND status = 'enabled' LIMIT 1")
    .bind(programId)
    .first();
  if (known.size > 1000) known.clear();
  known.set(programId, { at: now, has: row !== null });
  return row !== null;
}

/** Queues the program's due deliveries after the answer has gone. Never throws. */
export function kickDispatch(c: Context<AppEnv>): void {
  if ((c.env.WEBHOOK_DISPATCH as string) === "manual") return;
  const program = c.get("program");
  if (!program) return;
  const env = c.env;
  c.executionCtx.waitUntil(
    (async () => {
      if (await hasEndpoints(env.DB, program.id, Date.now())) await dispatchDue(env, { programId: program.id });
    })().catch((err) => console.error("webhook dispatch failed; the cron will retry", String(err))),
  );
}

/** Kicks delivery after every successful write through the API (any method but GET, HEAD and OPTIONS). */
export function dispatchAfterWrites(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return;
    if (c.res.status >= 400) return;
    kickDispatch(c);
  };
}

/** After changes made off the request path (the Stripe applier): queue those programs' new deliveries. */
export async function dispatchPrograms(
  env: Pick<Env, "DB" | "WEBHOOKS" | "WEBHOOK_DISPATCH">,
  programIds: Iterable<string>,
) {
  if ((env.WEBHOOK_DISPATCH as string) === "manual") return;
  for (const programId of programIds) {
    if (await hasEndpoints(env.DB, programId, Date.now())) await dispatchDue(env, { programId });
  }
}
