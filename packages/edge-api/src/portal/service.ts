import { ApiError } from "../lib/errors";
import { iso } from "../lib/time";
import { getMember, type MemberRow, memberStats } from "../members/service";
import { getProgram, type Program } from "../programs/service";
import { readMemberRewards } from "../rewards/member-view";

/** The API's own reads, with "not found" as null: here an unknown id makes an invalid link, not an error. */
function orNull<T>(read: Promise<T>): Promise<T | null> {
  return read.catch((err: unknown) => {
    if (err instanceof ApiError && (err.code === "not_found" || err.code === "member_not_found")) return null;
    throw err;
  });
}

export function programById(db: D1Database, id: string): Promise<Program | null> {
  return orNull(getProgram(db, id));
}

/** The member in this program, or null (deleted, or another program's). */
export function memberInProgram(db: D1Database, programId: string, memberId: string): Promise<MemberRow | null> {
  return orNull(getMember(db, programId, memberId));
}

/** One of the member's referrals as the portal shows it (see render.ts, `friendLabel`, for why so little). */
export interface PortalReferral {
  id: string;
  friendName: string | null;
  friendEmail: string;
  /** The referral's status; a referral an admin rejected in a fraud review shows as closed, without a reason. */
  status: string;
  createdAt: string;
}

/**
 * The widget's views (counts, the rewards engine's member view with its rules) plus the referrals with the
 * friend's address, which the portal masks: the widget's `recentReferrals` has no address to mask.
 */
export async function readPortal(db: D1Database, program: Program, memberId: string, now = Date.now()) {
  const [stats, rewards, referrals] = await Promise.all([
    memberStats(db, memberId),
    // Shown the program: a running experiment assigns the member's variant here (src/experiments).
    readMemberRewards(db, program, memberId, now, { expose: true }),
    db
      .prepare(
        `SELECT id, friend_name, friend_email, status, rejected_at, created_at FROM referrals
         WHERE member_id = ? ORDER BY created_at DESC, id DESC LIMIT 50`,
      )
      .bind(memberId)
      .all<{
        id: string;
        friend_name: string | null;
        friend_email: string;
        status: string;
        rejected_at: number | null;
        created_at: number;
      }>(),
  ]);
  return {
    stats,
    rewards: rewards.view,
    ruleset: rewards.ruleset,
    variant: rewards.variant,
    referrals: referrals.results.map(
      (r): PortalReferral => ({
        id: r.id,
        friendName: r.friend_name,
        friendEmail: r.friend_email,
        status: r.rejected_at === null ? r.status : "lost",
        createdAt: iso(r.created_at),
      }),
    ),
  };
}
