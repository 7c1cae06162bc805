import { renderMessage, toMemberView } from "../members/service";
import { PORTAL_WORDS } from "../portal/content";
import { friendLabel, shareUrl } from "../portal/render";
import { memberInProgram, programById, readPortal } from "../portal/service";
import { rewardPhrase } from "../program-page/steps";
import type { PageLanguage } from "../programs/schema";
import { leaderboard } from "../rewards/leaderboard";
import { withEffectiveOffer } from "../rewards/offer";
import { monthOf } from "../rewards/raffle";
import type { SummaryModel } from "./render";

/**
 * The monthly summary (kind `monthly_summary`): written by the cron on the 1st of each month (UTC), or by
 * `POST /v1/emails/monthly-summary`, one row per member and month (`monthly_summary:<member>:<YYYY-MM>`), so a
 * cron that runs every minute of the 1st, or twice, writes one; its content is read when it is sent.
 *
 * Who gets one: members with an address, not suspended, not unsubscribed and not opted out of the kind, in a
 * program that sends it, who have at least one referral or one reward. A member with nothing at all to report
 * (enrolled, never shared successfully) gets none: a summary of zeros every month reads as spam, and their
 * welcome already carried the link.
 */

/** How many rows one cron tick (or one API call's page) writes; the next tick carries on. */
export const SUMMARY_PAGE = 500;

const ELIGIBLE = `
  FROM members m
  WHERE m.email IS NOT NULL AND m.email <> '' AND m.suspended_at IS NULL
    AND (?2 IS NULL OR m.program_id = ?2)
    AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = m.program_id AND s.monthly_summary = 0)
    AND NOT EXISTS (SELECT 1 FROM email_unsubscribes u WHERE u.member_id = m.id)
    AND NOT EXISTS (SELECT 1 FROM email_opt_outs x WHERE x.member_id = m.id AND x.kind = 'monthly_summary')
    AND (EXISTS (SELECT 1 FROM referrals r WHERE r.member_id = m.id)
      OR EXISTS (SELECT 1 FROM rewards w WHERE w.member_id = m.id AND w.recipient = 'member' AND w.state != 'voided'))
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'monthly_summary:' || m.id || ':' || ?1)`;

/** Writes up to `limit` of this month's summaries not yet written; how many it wrote. */
export async function writeSummaryPage(
  db: D1Database,
  opts: { now: number; programId?: string; limit?: number },
): Promise<number> {
  const month = monthOf(opts.now);
  const res = await db
    .prepare(
      `INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
       SELECT 'eml_' || lower(hex(randomblob(12))), m.program_id, m.id, 'monthly_summary', ?1,
         'monthly_summary:' || m.id || ':' || ?1, ?3, ?3 ${ELIGIBLE} LIMIT ?4`,
    )
    .bind(month, opts.programId ?? null, opts.now, opts.limit ?? SUMMARY_PAGE)
    .run();
  return res.meta.changes ?? 0;
}

/** The cron's part: on the 1st (UTC) one page per tick; other days nothing. */
export async function writeDueSummaries(db: D1Database, now: number): Promise<number> {
  if (new Date(now).getUTCDate() !== 1) return 0;
  return writeSummaryPage(db, { now });
}

/** For the API: this month's summaries of one program, page after page up to `maxPages`; `more` if it stopped. */
export async function writeProgramSummaries(db: D1Database, programId: string, now: number, maxPages = 20) {
  let written = 0;
  for (let i = 0; i < maxPages; i++) {
    const n = await writeSummaryPage(db, { now, programId });
    written += n;
    if (n < SUMMARY_PAGE) return { month: monthOf(now), written, more: false };
  }
  return { month: monthOf(now), written, more: true };
}

/** What the summary shows, read at send time as the portal reads it. Null if the member or program is gone. */
export async function readSummary(
  db: D1Database,
  programId: string,
  memberId: string,
  month: string,
  lang: PageLanguage,
  apiOrigin: string,
  now: number,
): Promise<SummaryModel | null> {
  const program = await programById(db, programId);
  const member = program ? await memberInProgram(db, programId, memberId) : null;
  if (!program || !member) return null;
  const [y, mo] = month.split("-").map(Number) as [number, number];
  const previous = monthOf(Date.UTC(y, mo - 2, 1));
  const [portal, count, board] = await Promise.all([
    readPortal(db, program, memberId, now),
    db.prepare("SELECT COUNT(*) AS n FROM referrals WHERE member_id = ?").bind(memberId).first<{ n: number }>(),
    leaderboard(db, programId, previous, 100),
  ]);
  const w = PORTAL_WORDS[lang];
  const r = portal.rewards;
  const next = r.next_milestone;
  const rule = next ? portal.ruleset?.config.rules.find((x) => x.id === next.rule_id) : undefined;
  const what = rule ? (lang === "en" && rule.description ? rule.description : rewardPhrase(lang, rule)) : null;
  const view = toMemberView(program, member, apiOrigin);
  const message = renderMessage(withEffectiveOffer(program, portal.ruleset), view);
  const subject = w.emailSubject(program.name);
  const mine = board.find((b) => b.member_id === memberId);
  return {
    month,
    referrals: portal.referrals.slice(0, 10).map((ref) => ({
      label: friendLabel(ref),
      status: w.referralStatus[ref.status] ?? ref.status,
    })),
    referralCount: count?.n ?? portal.referrals.length,
    money: r.totals.map((t) => ({ currency: t.currency, earned: t.earned, pending: t.pending })),
    freeMonths: r.free_months,
    milestone: next && next.at > 0 ? w.milestone(Math.min(next.current, next.at), next.at, next.trigger, what) : null,
    rank: mine ? { rank: mine.rank, month: previous } : null,
    share: [
      { label: w.shareEmail, url: shareUrl("email", message, view.link, subject) },
      { label: "LinkedIn", url: shareUrl("linkedin", message, view.link, subject) },
      { label: "X", url: shareUrl("x", message, view.link, subject) },
    ],
  };
}
