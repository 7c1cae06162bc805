import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app";
import { sha256Hex } from "./crypto";
import { ApiError } from "./errors";

export interface Outcome {
  status: ContentfulStatusCode;
  body: unknown;
  /** Writes to run as one batch; the stored idempotent response joins the same batch. */
  statements: D1PreparedStatement[];
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function isConstraintError(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return msg.includes("UNIQUE constraint failed") || msg.includes("PRIMARY KEY");
}

/**
 * Runs a secret-key write at most once per `Idempotency-Key` (Stripe's contract): a replay with the same
 * key and body returns the first response with `Idempotent-Replayed: true`; the same key with another
 * body is refused. The stored response is written in the same transaction as the work, so a crash
 * cannot leave one without the other. Without a key, a write that lost a race is planned again.
 */
export async function runIdempotent(c: Context<AppEnv>, compute: () => Promise<Outcome>): Promise<Response> {
  const db = c.env.DB;
  const programId = c.get("program").id;
  const key = c.req.header("idempotency-key");
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw new ApiError("bad_request", "Idempotency-Key must be 1–255 printable ASCII characters.");
  }
  const requestHash = key ? await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`) : "";

  const replay = async (): Promise<Response | null> => {
    if (!key) return null;
    const stored = await db
      .prepare("SELECT request_hash, status, response FROM idempotency_keys WHERE program_id = ? AND key = ?")
      .bind(programId, key)
      .first<{ request_hash: string; status: number; response: string }>();
    if (!stored) return null;
    if (stored.request_hash !== requestHash) {
      throw new ApiError(
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
      );
    }
    return c.json(JSON.parse(stored.response), stored.status as ContentfulStatusCode, {
      "Idempotent-Replayed": "true",
    });
  };

  const first = await replay();
  if (first) return first;

  for (let attempt = 0; attempt < 3; attempt++) {
    const outcome = await compute();
    const statements = [...outcome.statements];
    if (key) {
      statements.push(
        db
          .prepare(
            "INSERT INTO idempotency_keys (program_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .bind(programId, key, requestHash, outcome.status, JSON.stringify(outcome.body), Date.now()),
      );
    }
    try {
      if (statements.length > 0) await db.batch(statements);
      return c.json(outcome.body, outcome.status);
    } catch (err) {
      if (!isConstraintError(err)) throw err;
      const again = await replay();
      if (again) return again;
      // Someone else changed the referral between our read and our write: read again and re-plan.
    }
  }
  throw new ApiError("conflict", "The referral changed while this request was processed. Retry the request.");
}
