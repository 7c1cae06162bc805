import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../lib/app";
import { type CrmQueueEnv, dispatchDueCrm } from "./outbound";

/**
 * After a write (a lead from the tracker, a conversion, a status change), the program's CRM outbox rows are
 * queued at once (after the answer, in `waitUntil`), so a referral reaches the CRM within seconds; the
 * every-minute cron is the safety net. Only programs that sync out pay for it: whether one does is kept per
 * isolate for 30 s. `WEBHOOK_DISPATCH=manual` (the test suite) leaves queueing to the caller.
 */
const CACHE_MS = 30_000;
const known = new Map<string, { at: number; has: boolean }>();

async function syncsOut(db: D1Database, programId: string, now: number): Promise<boolean> {
  const hit = known.get(programId);
  if (hit && now - hit.at < CACHE_MS) return hit.has;
  const row = await db
    .prepare("SELECT 1 AS x FROM crm_settings WHERE program_id = ? AND sync_out = 1 LIMIT 1")
    .bind(programId)
    .first();
  if (known.size > 1000) known.clear();
  known.set(programId, { at: now, has: row !== null });
  return row !== null;
}

export function crmAfterWrites(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return;
    if (c.res.status >= 400 || (c.env.WEBHOOK_DISPATCH as string) === "manual") return;
    const program = c.get("program");
    if (!program) return;
    const env = c.env as unknown as CrmQueueEnv;
    c.executionCtx.waitUntil(
      (async () => {
        if (await syncsOut(env.DB, program.id, Date.now())) await dispatchDueCrm(env, { programId: program.id });
      })().catch((err) => console.error("crm dispatch failed; the cron will retry", String(err))),
    );
  };
}
