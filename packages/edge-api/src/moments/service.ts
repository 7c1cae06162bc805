import { newId } from "../lib/ids";
import type { Program } from "../programs/service";
import type { Nudge } from "./schema";
import { cooldownDays, invitesByEmail, nudgeMessage } from "./settings";

const DAY_MS = 86_400_000;

interface MomentRow {
  id: string;
  moment: string;
  invite_email?: number;
}

/**
 * A moment of value for a member: a new nudge, unless this member had one for this moment within its cooldown
 * (30 days unless the program says otherwise). One statement, so two calls at once still make one nudge.
 * From the browser the nudge is shown at once (`shown_at` now); from the server it waits for the widget. A
 * suspended member, or one the eligibility rules leave out, gets none (their widget shows no invitation).
 * A server moment whose setting says `email` is marked so, and the row's insert trigger writes its
 * `moment_invite` email in the same statement (migration 0017): one email per nudge, never one without it.
 */
export async function triggerMoment(
  db: D1Database,
  program: Program,
  memberId: string,
  moment: string,
  source: "browser" | "server",
  now = Date.now(),
): Promise<MomentRow | null> {
  const since = now - cooldownDays(program.moments, moment) * DAY_MS;
  const row = await db
    .prepare(
      `INSERT INTO member_moments (id, program_id, member_id, moment, source, created_at, shown_at, invite_email)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9
       WHERE NOT EXISTS (SELECT 1 FROM member_moments WHERE member_id = ?3 AND moment = ?4 AND created_at > ?8)
         AND EXISTS (SELECT 1 FROM members WHERE id = ?3 AND program_id = ?2 AND suspended_at IS NULL
           AND eligible IS NOT 0)
       RETURNING id, moment, invite_email`,
    )
    .bind(
      newId("mom"),
      program.id,
      memberId,
      moment,
      source,
      now,
      source === "browser" ? now : null,
      since,
      source === "server" && invitesByEmail(program.moments, moment) ? 1 : 0,
    )
    .first<MomentRow>();
  return row ?? null;
}

/** Whether the moment's insert trigger wrote its invitation (the program sends the kind, the member has an address). */
export async function inviteWritten(db: D1Database, momentId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM email_outbox WHERE dedupe_key = ?")
    .bind(`moment_invite:${momentId}`)
    .first();
  return row !== null;
}

export function toNudge(program: Program, row: MomentRow): Nudge {
  return { id: row.id, moment: row.moment, message: nudgeMessage(program.moments, row.moment, program.name) };
}

/**
 * The nudge a server moment left for the widget, taken as shown: the latest one not shown yet, within its
 * moment's cooldown. One indexed read per enrolment; a write only when there is one.
 */
export async function takePendingNudge(db: D1Database, program: Program, memberId: string, now = Date.now()) {
  const { results } = await db
    .prepare(
      `SELECT id, moment, created_at FROM member_moments
       WHERE member_id = ? AND shown_at IS NULL ORDER BY created_at DESC LIMIT 5`,
    )
    .bind(memberId)
    .all<MomentRow & { created_at: number }>();
  const row = results.find((r) => r.created_at > now - cooldownDays(program.moments, r.moment) * DAY_MS);
  if (!row) return null;
  const taken = await db
    .prepare("UPDATE member_moments SET shown_at = ? WHERE id = ? AND shown_at IS NULL RETURNING id")
    .bind(now, row.id)
    .first();
  return taken ? toNudge(program, row) : null;
}

/** The member clicked or dismissed their nudge: the first of each counts, repeats change nothing. */
export async function recordNudgeAction(
  db: D1Database,
  memberId: string,
  nudgeId: string,
  action: "clicked" | "dismissed",
  now = Date.now(),
): Promise<void> {
  const column = action === "clicked" ? "clicked_at" : "dismissed_at";
  await db
    .prepare(`UPDATE member_moments SET ${column} = COALESCE(${column}, ?) WHERE id = ? AND member_id = ?`)
    .bind(now, nudgeId, memberId)
    .run();
}

export async function momentStats(db: D1Database, programId: string) {
  const { results } = await db
    .prepare(
      `SELECT moment, COUNT(*) AS triggered, COUNT(shown_at) AS shown, COUNT(clicked_at) AS clicked,
         COUNT(dismissed_at) AS dismissed
       FROM member_moments WHERE program_id = ? GROUP BY moment ORDER BY triggered DESC, moment`,
    )
    .bind(programId)
    .all<{ moment: string; triggered: number; shown: number; clicked: number; dismissed: number }>();
  return { moments: results };
}
