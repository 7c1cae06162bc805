/**
 * Visits off the request path: `POST /v1/track/visit` answers once the visit is on the `VISITS` queue, and
 * this consumer writes each batch of visits in ONE D1 statement. The click id is the visit's primary key,
 * so a message delivered twice (queues deliver at least once) is inserted once, and the rollup triggers
 * only fire for rows really inserted: counts never double. A batch that fails is retried whole, with
 * backoff; after `max_retries` it goes to the dead-letter queue (wrangler.jsonc), never silently away.
 */

export interface VisitMessage {
  /** The click id: the visit's id. */
  id: string;
  program_id: string;
  member_id: string;
  code: string;
  campaign: string | null;
  sub_source: string | null;
  landing_url: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  country: string | null;
  visitor_hash: string;
  created_at: number;
}

export const VISIT_COLUMNS = [
  "id",
  "program_id",
  "member_id",
  "code",
  "campaign",
  "sub_source",
  "landing_url",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "country",
  "visitor_hash",
  "created_at",
] as const satisfies readonly (keyof VisitMessage)[];

/** All the batch's visits in one statement, read from a JSON array; a click id already stored is skipped. */
export function insertVisitsStatement(db: D1Database, visits: readonly VisitMessage[]): D1PreparedStatement {
  const columns = VISIT_COLUMNS.join(", ");
  const values = VISIT_COLUMNS.map((c) => `json_extract(value, '$.${c}')`).join(", ");
  return db
    .prepare(
      `INSERT INTO visits (${columns}) SELECT ${values} FROM json_each(?) WHERE true ON CONFLICT (id) DO NOTHING`,
    )
    .bind(JSON.stringify(visits));
}

/** Seconds before a failed batch is delivered again: 10 s, 20 s, 40 s… up to 10 minutes. */
export function retryDelay(attempts: number): number {
  return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * A lead can arrive before its visit lands (its signed click id attributes it at once): such a referral
 * gets its campaign from the visit when the visit is written.
 */
export function campaignFromVisitsStatement(db: D1Database, visits: readonly VisitMessage[]): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE referrals SET campaign = (SELECT v.campaign FROM visits v WHERE v.id = referrals.click_id)
       WHERE click_id IN (SELECT value FROM json_each(?)) AND campaign IS NULL`,
    )
    .bind(JSON.stringify(visits.filter((v) => v.campaign !== null).map((v) => v.id)));
}

export async function consumeVisits(batch: MessageBatch<VisitMessage>, env: { DB: D1Database }): Promise<void> {
  const visits = batch.messages.map((m) => m.body);
  try {
    await env.DB.batch([insertVisitsStatement(env.DB, visits), campaignFromVisitsStatement(env.DB, visits)]);
    batch.ackAll();
  } catch (err) {
    const attempts = Math.max(...batch.messages.map((m) => m.attempts));
    console.error("visit batch failed; retrying", { size: visits.length, attempts, error: String(err) });
    batch.retryAll({ delaySeconds: retryDelay(attempts) });
  }
}
