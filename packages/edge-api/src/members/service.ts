import { ApiError, isUniqueViolation } from "../lib/errors";
import { generateCode, newId, normalizeCode } from "../lib/ids";
import type { Program } from "../programs/service";
import type { IdentityClaims } from "./identity";
import type { MemberStats, MemberView, ReferralSummary } from "./schema";

export interface MemberRow {
  id: string;
  program_id: string;
  external_id: string;
  email: string | null;
  name: string | null;
  company: string | null;
  code: string;
  created_at: number;
}

export function referralLink(program: Program, code: string): string {
  const url = new URL(program.landingUrl);
  url.searchParams.set(program.paramNames[0] ?? "via", code);
  return url.toString();
}

export function toMemberView(program: Program, row: MemberRow, apiOrigin: string): MemberView {
  return {
    id: row.id,
    external_id: row.external_id,
    email: row.email,
    name: row.name,
    company: row.company,
    code: row.code,
    link: referralLink(program, row.code),
    short_link: `${apiOrigin}/r/${encodeURIComponent(row.code)}`,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Enrols a member, or returns the existing one with any newly supplied profile fields saved. Codes are
 * generated until one is free (collisions are rare: 31^4 suffixes per first name).
 */
export async function enrolMember(
  db: D1Database,
  program: Program,
  identity: IdentityClaims,
  customCode?: string,
): Promise<{ row: MemberRow; created: boolean }> {
  const now = Date.now();
  for (let attempt = 0; attempt < 6; attempt++) {
    const code = customCode ? normalizeCode(customCode) : generateCode(identity.name);
    const id = newId("mem");
    try {
      const row = await db
        .prepare(
          `INSERT INTO members (id, program_id, external_id, email, name, company, code, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (program_id, external_id) DO UPDATE SET
             email = CASE WHEN ?9 THEN COALESCE(excluded.email, members.email) ELSE COALESCE(members.email, excluded.email) END,
             name = CASE WHEN ?9 THEN COALESCE(excluded.name, members.name) ELSE COALESCE(members.name, excluded.name) END,
             company = CASE WHEN ?9 THEN COALESCE(excluded.company, members.company) ELSE COALESCE(members.company, excluded.company) END
           RETURNING *`,
        )
        .bind(
          id,
          program.id,
          identity.id,
          identity.email ?? null,
          identity.name ?? null,
          identity.company ?? null,
          code,
          now,
          identity.profileVerified ? 1 : 0,
        )
        .first<MemberRow>();
      if (!row) throw new Error("enrol returned no row");
      return { row, created: row.id === id };
    } catch (err) {
      if (!isUniqueViolation(err, "members.code")) throw err;
      if (customCode) throw new ApiError("code_taken", `The code ${code} is already taken.`, { code });
    }
  }
  throw new ApiError("conflict", "Could not find a free referral code; try again.");
}

export async function getMember(db: D1Database, programId: string, memberId: string): Promise<MemberRow> {
  const row = await db
    .prepare("SELECT * FROM members WHERE id = ? AND program_id = ?")
    .bind(memberId, programId)
    .first<MemberRow>();
  if (!row) throw new ApiError("member_not_found", `No member ${memberId} in this program.`);
  return row;
}

export async function memberStats(db: D1Database, memberId: string): Promise<MemberStats> {
  const row = await db
    .prepare(
      `SELECT
         (SELECT COUNT(*) FROM visits WHERE member_id = ?1) AS visits,
         (SELECT COUNT(*) FROM shares WHERE member_id = ?1) AS shares,
         COUNT(r.id) AS leads,
         COALESCE(SUM(r.status IN ('qualified', 'converted', 'renewed')), 0) AS qualified,
         COALESCE(SUM(r.status IN ('converted', 'renewed')), 0) AS converted
       FROM referrals r WHERE r.member_id = ?1`,
    )
    .bind(memberId)
    .first<MemberStats>();
  return row ?? { visits: 0, shares: 0, leads: 0, qualified: 0, converted: 0 };
}

export async function recentReferrals(db: D1Database, memberId: string, limit = 20): Promise<ReferralSummary[]> {
  const { results } = await db
    .prepare(
      `SELECT id, friend_name, friend_company, status, created_at FROM referrals
       WHERE member_id = ? ORDER BY created_at DESC LIMIT ?`,
    )
    .bind(memberId, limit)
    .all<{
      id: string;
      friend_name: string | null;
      friend_company: string | null;
      status: string;
      created_at: number;
    }>();
  return results.map((r) => ({
    id: r.id,
    name: r.friend_name,
    company: r.friend_company,
    status: r.status,
    created_at: new Date(r.created_at).toISOString(),
  }));
}

/** `{name}`, `{program}`, `{offer}`, `{link}`, `{code}` in the program's template. */
export function renderMessage(program: Program, member: MemberView): string {
  const values: Record<string, string> = {
    name: member.name ?? "",
    program: program.name,
    offer: program.offerText,
    link: member.link,
    code: member.code,
  };
  return program.messageTemplate
    .replace(/\{(name|program|offer|link|code)\}/g, (_, k: string) => values[k] ?? "")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}
