import { referralLink } from "../lib/links";
import { nudgeMessage, parseMomentSettings } from "../moments/settings";
import { MAX_TTL_MS, mintAccessToken } from "../portal/access-token";
import { friendLabel } from "../portal/render";
import { pickLanguage } from "../program-page/content";
import { type EmailProvider, type OutgoingEmail, type ProviderEnv, providerFor, type SendResult } from "./providers";
import { type EmailKind, renderEmail } from "./render";
import { readSummary } from "./summary";
import { mintUnsubscribeToken } from "./unsubscribe-token";

/**
 * The EMAILS queue's consumer and the cron's dispatch (the outbox is written by triggers, migration 0011).
 *
 * Never twice: the statement that claims a row also marks it `sent` (or `skipped`, for a member who unsubscribed,
 * has no address or is suspended), and only a `pending`, due row can be claimed, so a message delivered twice, or
 * a row queued by the cron while its message is still on the queue, sends once. A failed send puts the row back
 * to `pending` with its next time (the message is retried with that delay) or, when the provider refused it for
 * good or the attempts ran out, `failed`. The price: a Worker that dies between the claim and the provider's answer
 * leaves a row `sent` that was perhaps not (at most once, never a duplicate); with Resend the idempotency key
 * covers the other direction, an answer lost after Resend took the message.
 */
export interface EmailMessage {
  email_id: string;
}

export interface EmailEnv extends ProviderEnv {
  EMAILS?: Queue<EmailMessage>;
  PUBLIC_URL?: string;
  EMAIL_FROM?: string;
}

/** Seconds until attempt `attempts + 1` after `attempts` failures: 1 min, 5 min, 30 min, 2 h, 6 h; then failed. */
export const EMAIL_RETRY_DELAYS_S = [60, 300, 1_800, 7_200, 21_600] as const;
export const EMAIL_MAX_ATTEMPTS = EMAIL_RETRY_DELAYS_S.length + 1;
/** How long a queued row is left to its message before the cron queues it again. */
export const EMAIL_LEASE_MS = 10 * 60 * 1000;
const MAX_QUEUE_DELAY_S = 43_200;

interface Claimed {
  id: string;
  program_id: string;
  member_id: string;
  kind: EmailKind;
  cause_id: string;
  dedupe_key: string;
  state: "sent" | "skipped";
  attempts: number;
}

interface ProgramRow {
  id: string;
  name: string;
  brand_color: string;
  page_language: string | null;
  token_secret: string;
  landing_url: string;
  param_names: string;
  moment_settings: string | null;
}

interface MemberRow {
  email: string;
  name: string | null;
  code: string;
}

interface MomentRow {
  moment: string;
}

interface RewardRow {
  kind: string;
  amount: number;
  currency: string | null;
  description: string | null;
}

const CLAIM = `UPDATE email_outbox SET
    state = CASE WHEN EXISTS (SELECT 1 FROM email_unsubscribes u WHERE u.member_id = email_outbox.member_id)
      OR EXISTS (SELECT 1 FROM email_opt_outs x WHERE x.member_id = email_outbox.member_id
        AND x.kind = email_outbox.kind)
      OR NOT EXISTS (SELECT 1 FROM members m WHERE m.id = email_outbox.member_id AND m.email IS NOT NULL
        AND m.email <> '' AND m.suspended_at IS NULL)
      THEN 'skipped' ELSE 'sent' END,
    attempts = attempts + 1, sent_at = ?2, leased_until = NULL, provider = ?3
  WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?2
  RETURNING id, program_id, member_id, kind, cause_id, dedupe_key, state, attempts`;

export async function consumeEmails(
  batch: MessageBatch<EmailMessage>,
  env: EmailEnv,
  opts: { now?: () => number; provider?: EmailProvider } = {},
): Promise<void> {
  const provider = opts.provider ?? providerFor(env);
  for (const msg of batch.messages) {
    const now = opts.now?.() ?? Date.now();
    const outcome = await sendOne(env, provider, msg.body.email_id, now);
    if (outcome.retryDelayS !== undefined) msg.retry({ delaySeconds: outcome.retryDelayS });
    else msg.ack();
  }
}

/** Claims, renders and sends one row; `retryDelayS` when the message should come back. */
export async function sendOne(
  env: EmailEnv,
  provider: EmailProvider,
  emailId: string,
  now: number,
): Promise<{ state: string; retryDelayS?: number }> {
  const db = env.DB;
  const [claim, program, member, reward, referral, moment] = await db.batch([
    db.prepare(CLAIM).bind(emailId, now, provider.name),
    db
      .prepare(
        `SELECT p.id, p.name, p.brand_color, p.page_language, p.token_secret, p.landing_url, p.param_names,
         p.moment_settings
       FROM email_outbox o JOIN programs p ON p.id = o.program_id WHERE o.id = ?`,
      )
      .bind(emailId),
    db
      .prepare(`SELECT m.email, m.name, m.code FROM email_outbox o JOIN members m ON m.id = o.member_id WHERE o.id = ?`)
      .bind(emailId),
    db
      .prepare(
        `SELECT r.kind, r.amount, r.currency, r.description FROM email_outbox o JOIN rewards r ON r.id = o.cause_id
       WHERE o.id = ? AND o.kind IN ('reward_approved', 'reward_paid')`,
      )
      .bind(emailId),
    db
      .prepare(
        `SELECT r.friend_name, r.friend_email FROM email_outbox o JOIN referrals r ON r.id = o.cause_id
       WHERE o.id = ? AND o.kind = 'friend_signed_up'`,
      )
      .bind(emailId),
    db
      .prepare(
        `SELECT mm.moment FROM email_outbox o JOIN member_moments mm ON mm.id = o.cause_id
         WHERE o.id = ? AND o.kind = 'moment_invite'`,
      )
      .bind(emailId),
  ]);
  const row = claim?.results[0] as Claimed | undefined;
  if (!row) return { state: "not_due" }; // sent already, or not due (the cron queues it when it is)
  if (row.state === "skipped") return { state: "skipped" };
  const p = program?.results[0] as ProgramRow | undefined;
  const m = member?.results[0] as MemberRow | undefined;
  if (!p || !m) return finish(db, row, now, { ok: false, retry: false, status: null, error: "member or program gone" });

  const friend = referral?.results[0] as { friend_name: string | null; friend_email: string } | undefined;
  const extra = {
    reward: (reward?.results[0] as RewardRow | undefined) ?? null,
    friend: friend ? friendLabel({ friendName: friend.friend_name, friendEmail: friend.friend_email }) : null,
    moment: (moment?.results[0] as MomentRow | undefined) ?? null,
  };
  let email: OutgoingEmail;
  try {
    email = await compose(env, row, p, m, extra, now);
  } catch (err) {
    // Claimed as sent; reading what it shows failed (D1 busy): put it back to be tried again.
    return finish(db, row, now, { ok: false, retry: true, status: null, error: `compose: ${String(err)}` });
  }
  let result: SendResult;
  try {
    result = await provider.send(email, now);
  } catch (err) {
    result = { ok: false, retry: true, status: null, error: err instanceof Error ? err.message : String(err) };
  }
  return finish(db, row, now, result);
}

async function finish(
  db: D1Database,
  row: Claimed,
  now: number,
  result: SendResult,
): Promise<{ state: string; retryDelayS?: number }> {
  if (result.ok) {
    await db
      .prepare("UPDATE email_outbox SET provider_id = ?, last_status = ?, last_error = NULL WHERE id = ?")
      .bind(result.providerId, result.status, row.id)
      .run();
    return { state: "sent" };
  }
  const base = EMAIL_RETRY_DELAYS_S[row.attempts - 1];
  if (result.retry && base !== undefined) {
    const delay = Math.min(MAX_QUEUE_DELAY_S, Math.max(base, result.retryAfterS ?? 0));
    const next = now + delay * 1000;
    await db
      .prepare(
        `UPDATE email_outbox SET state = 'pending', sent_at = NULL, next_attempt_at = ?, leased_until = ?,
           last_status = ?, last_error = ? WHERE id = ? AND state = 'sent'`,
      )
      .bind(next, next + EMAIL_LEASE_MS, result.status, result.error.slice(0, 500), row.id)
      .run();
    return { state: "pending", retryDelayS: delay };
  }
  await db
    .prepare(
      "UPDATE email_outbox SET state = 'failed', sent_at = NULL, last_status = ?, last_error = ? WHERE id = ? AND state = 'sent'",
    )
    .bind(result.status, result.error.slice(0, 500), row.id)
    .run();
  return { state: "failed" };
}

/** `"Program name" <address>`: the display name cannot break out of the header. */
export function fromHeader(programName: string, configured: string | undefined): string {
  const raw = configured || "rewards@vouch.invalid";
  const address = /<([^<>\s]+)>/.exec(raw)?.[1] ?? raw.trim();
  const name = programName.replace(/["<>\\\r\n]/g, "").trim();
  return name ? `"${name}" <${address}>` : address;
}

async function compose(
  env: EmailEnv,
  row: Claimed,
  p: ProgramRow,
  m: MemberRow,
  extra: { reward: RewardRow | null; friend: string | null; moment: MomentRow | null },
  now: number,
): Promise<OutgoingEmail> {
  const base = (env.PUBLIC_URL || "http://localhost:8787").replace(/\/$/, "");
  const program = { id: p.id, tokenSecret: p.token_secret };
  const access = await mintAccessToken(program, "portal", row.member_id, now + MAX_TTL_MS.portal - 60_000);
  const unsubscribeUrl = `${base}/u/${await mintUnsubscribeToken(program, row.member_id)}`;
  const lang = pickLanguage(
    undefined,
    p.page_language === "de" || p.page_language === "en" ? p.page_language : null,
    undefined,
  );
  let paramNames: string[] = [];
  try {
    paramNames = JSON.parse(p.param_names) as string[];
  } catch {}
  const summary =
    row.kind === "monthly_summary"
      ? await readSummary(env.DB, p.id, row.member_id, row.cause_id, lang, base, now)
      : null;
  const rendered = renderEmail({
    kind: row.kind,
    lang,
    program: { name: p.name, brandColor: p.brand_color },
    member: { name: m.name, code: m.code },
    referralLink: referralLink(p.landing_url, paramNames, m.code).toString(),
    portalUrl: `${base}/o/${access}`,
    unsubscribeUrl,
    reward: extra.reward,
    friend: extra.friend,
    summary,
    invite: extra.moment
      ? nudgeMessage(parseMomentSettings(p.moment_settings), extra.moment.moment, p.name)[lang]
      : null,
  });
  return {
    outboxId: row.id,
    programId: row.program_id,
    from: fromHeader(p.name, env.EMAIL_FROM),
    to: m.email,
    ...rendered,
    headers: { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    idempotencyKey: row.dedupe_key,
  };
}

/** The cron: rows that are due and on no queue (new ones, a lost message) are leased and queued. */
export async function dispatchDueEmails(env: EmailEnv, opts: { now: number; limit?: number }): Promise<number> {
  if (!env.EMAILS) return 0;
  const { results } = await env.DB.prepare(
    `UPDATE email_outbox SET leased_until = ?1 + ?3 WHERE id IN (
       SELECT id FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= ?1
         AND (leased_until IS NULL OR leased_until <= ?1)
       ORDER BY next_attempt_at LIMIT ?2)
     RETURNING id`,
  )
    .bind(opts.now, opts.limit ?? 500, EMAIL_LEASE_MS)
    .all<{ id: string }>();
  for (let i = 0; i < results.length; i += 100) {
    await env.EMAILS.sendBatch(results.slice(i, i + 100).map((r) => ({ body: { email_id: r.id } })));
  }
  return results.length;
}
