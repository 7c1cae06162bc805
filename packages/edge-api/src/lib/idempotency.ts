import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app";
import { sha256Hex } from "./crypto";
import { ApiError, isUniqueViolation } from "./errors";

export interface Outcome {
  status: ContentfulStatusCode;
  body: unknown;
  /** Writes to run as one batch; the stored idempotent response joins the same batch. */
  statements: D1PreparedStatement[];
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * What a compute step reads goes through this, so the idempotency lookup rides in the same D1 batch as
 * the step's own first reads: one round trip instead of two (on Workers a round trip costs as much as
 * the rest of a small request).
 */
export interface Reader {
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>;
}

export interface StoredResponse {
  request_hash: string;
  status: number;
  response: string;
}

class ReplayFound {
  constructor(readonly stored: StoredResponse) {}
}

/**
 * Runs a secret-key write at most once per `Idempotency-Key` (Stripe's contract): a replay with the same
 * key and body returns the first response with `Idempotent-Replayed: true`; the same key with another
 * body is refused. The stored response is written in the same transaction as the work, so a crash
 * cannot leave one without the other. Without a key, a write that lost a race is planned again.
 *
 * `compute` must do its reads through the reader before it can fail on the state it read, so that a
 * replay is answered from the stored response, never from today's state.
 */
export async function runIdempotent(
  c: Context<AppEnv>,
  compute: (reader: Reader) => Promise<Outcome>,
  /**
   * A key from the request body that wins over the Idempotency-Key header (a renewal's invoice id: the
   * same invoice is the same renewal, whatever key a retry sends).
   */
  bodyKey?: string,
): Promise<Response> {
  const key = bodyKey ?? c.req.header("idempotency-key");
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw new ApiError("bad_request", "Idempotency-Key must be 1–255 printable ASCII characters.");
  }
  const requestHash = key ? await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`) : "";
  const result = await executeOnce(c.env.DB, c.get("program").id, key, requestHash, compute);
  if ("outcome" in result) return c.json(result.outcome.body, result.outcome.status);
  if (result.stored.request_hash !== requestHash) {
    throw new ApiError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
    );
  }
  return c.json(JSON.parse(result.stored.response), result.stored.status as ContentfulStatusCode, {
    "Idempotent-Replayed": "true",
  });
}

/**
 * The core of `runIdempotent`, for callers without a request (the Stripe events applier): plans with
 * `compute`, writes its statements (plus `extra`, e.g. "this event is applied") and the stored answer in one
 * batch, and re-plans a write that lost a race. If `key` was already used, nothing runs: the first answer
 * is returned as `stored`.
 */
export async function executeOnce(
  db: D1Database,
  programId: string,
  key: string | undefined,
  requestHash: string,
  compute: (reader: Reader) => Promise<Outcome>,
  opts: {
    /** Written in the same batch (e.g. "this event is applied"). */
    extra?: (outcome: Outcome) => D1PreparedStatement[];
    /** Whether this outcome uses up the key (default: always); an outcome that did nothing may leave it free. */
    store?: (outcome: Outcome) => boolean;
  } = {},
): Promise<{ outcome: Outcome } | { stored: StoredResponse }> {
  const lookup = () =>
    db
      .prepare("SELECT request_hash, status, response FROM idempotency_keys WHERE program_id = ? AND key = ?")
      .bind(programId, key ?? "");

  let checked = !key;
  const reader: Reader = {
    async batch(statements) {
      if (checked) return statements.length > 0 ? db.batch(statements) : [];
      const [found, ...rest] = await db.batch([lookup(), ...statements]);
      checked = true;
      const stored = found?.results[0] as StoredResponse | undefined;
      if (stored) throw new ReplayFound(stored);
      return rest;
    },
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    let outcome: Outcome;
    try {
      outcome = await compute(reader);
      // A compute step that read nothing still must not run twice.
      if (!checked) await reader.batch([]);
    } catch (err) {
      if (err instanceof ReplayFound) return { stored: err.stored };
      throw err;
    }
    const statements = [...outcome.statements, ...(opts.extra?.(outcome) ?? [])];
    if (key && (opts.store?.(outcome) ?? true)) {
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
      return { outcome };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (key) {
        const stored = await lookup().first<StoredResponse>();
        if (stored) return { stored };
      }
      // Someone else changed the referral between our read and our write: read again and re-plan.
      checked = !key;
    }
  }
  throw new ApiError("conflict", "The referral changed while this request was processed. Retry the request.");
}
