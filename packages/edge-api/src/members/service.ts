import { isEligible } from "../eligibility/rules";
import type { MemberAttributes } from "../eligibility/schema";
import { auditStatement } from "../lib/audit";
import { emailKey } from "../lib/email";
import { ApiError, isUniqueViolation } from "../lib/errors";
import { generateCode, newId, normalizeCode } from "../lib/ids";
import { referralLink, shortLink } from "../lib/links";
import type { Page } from "../lib/pagination";
import { listPage, rowInProgram } from "../lib/program-rows";
import { iso } from "../lib/time";
import type { Program } from "../programs/service";
import { lifecycleSql } from "../referrals/lifecycle";
import type { IdentityClaims } from "./identity";
import type { MemberStats, MemberView, ReferralSummary } from "./schema";

export interface MemberRow {
  id: string;
  program_id: string;
  external_id: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  company: string | null;
  profile_verified: number;
  code: string;
  suspended_at: number | null;
  suspended_reason: string | null;
  created_at: number;
  /** JSON of the attributes last signed by the host. */
  attributes: string | null;
  /** The eligibility rules' verdict at the last enrolment: 1, 0, or null (never checked). */
  eligible: number | null;
  eligibility_checked_at: number | null;
}

/** The member as the widget sees them. Why a member was suspended is the vendor's business, not shown here. */
export function toMemberView(program: Program, row: MemberRow, apiOrigin: string): MemberView {
  return {
    id: row.id,
    external_id: row.external_id,
    email: row.email,
    email_verified: row.email_verified === 1,
    name: row.name,
    company: row.company,
    code: row.code,
    link: referralLink(program.landingUrl, program.paramNames, row.code).toString(),
    short_link: shortLink(apiOrigin, program.slug, row.code),
    status: row.suspended_at === null ? "active" : "suspended",
    created_at: iso(row.created_at),
  };
}

/** The member as the vendor sees them through the secret-key API: suspension details too. */
export function toServerMemberView(program: Program, row: MemberRow, apiOrigin: string) {
  return {
    ...toMemberView(program, row, apiOrigin),
    suspended_at: iso(row.suspended_at),
    suspended_reason: row.suspended_reason,
    attributes: parseAttributes(row.attributes),
    eligible: row.eligible === null ? null : row.eligible === 1,
  };
}

/**
 * Enrols a member, or returns the existing one with any newly supplied profile fields saved. Unsigned
 * values (an HMAC covers only the id) fill empty fields; signed ones (a JWT, the secret-key API) replace.
 * Every address the member is seen with is kept in `member_emails` for the self-referral check, and the
 * widget's visitor hash in `member_visitors` for the fraud engine, in the same batch as the upsert.
 * Codes are generated until one is free in the program (31^4 suffixes per first name).
 */
export async function enrolMember(
  db: D1Database,
  program: Program,
  identity: IdentityClaims,
  opts: { customCode?: string | undefined; visitorHash?: string | undefined } = {},
): Promise<{ row: MemberRow; created: boolean }> {
  const now = Date.now();
  const verified = identity.profileVerified ? 1 : 0;
  // Attributes passed now are judged with the upsert; without them the stored ones are judged after it.
  const passed = identity.attributes ? JSON.stringify(identity.attributes) : null;
  const verdict = identity.attributes ? (isEligible(program.eligibility, identity.attributes, now) ? 1 : 0) : null;
  // A new member without attributes is judged on none, in the insert itself.
  const firstVerdict = verdict ?? (isEligible(program.eligibility, null, now) ? 1 : 0);
  const side: D1PreparedStatement[] = [];
  if (identity.email) {
    side.push(
      db
        .prepare(
          `INSERT INTO member_emails (member_id, email_key, verified, created_at)
           SELECT id, ?, ?, ? FROM members WHERE program_id = ? AND external_id = ?
           ON CONFLICT (member_id, email_key) DO UPDATE SET verified = MAX(verified, excluded.verified)`,
        )
        .bind(emailKey(identity.email), verified, now, program.id, identity.id),
    );
  }
  if (opts.visitorHash) {
    side.push(
      db
        .prepare(
          `INSERT INTO member_visitors (member_id, visitor_hash, created_at)
           SELECT id, ?, ? FROM members WHERE program_id = ? AND external_id = ? ON CONFLICT DO NOTHING`,
        )
        .bind(opts.visitorHash, now, program.id, identity.id),
    );
  }
  for (let attempt = 0; attempt < 6; attempt++) {
    const code = opts.customCode ? normalizeCode(opts.customCode) : generateCode(identity.name);
    const id = newId("mem");
    try {
      const [upsert] = await db.batch([
        db
          .prepare(
            `INSERT INTO members (id, program_id, external_id, email, email_verified, name, company, profile_verified, code,
               created_at, attributes, eligible, eligibility_checked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, ?10)
             ON CONFLICT (program_id, external_id) DO UPDATE SET
               email = CASE WHEN ?8 THEN COALESCE(excluded.email, members.email) ELSE COALESCE(members.email, excluded.email) END,
               email_verified = CASE WHEN ?8 AND excluded.email IS NOT NULL THEN 1 ELSE members.email_verified END,
               name = CASE WHEN ?8 THEN COALESCE(excluded.name, members.name) ELSE COALESCE(members.name, excluded.name) END,
               company = CASE WHEN ?8 THEN COALESCE(excluded.company, members.company) ELSE COALESCE(members.company, excluded.company) END,
               profile_verified = MAX(members.profile_verified, ?8),
               attributes = COALESCE(?11, members.attributes),
               eligible = COALESCE(?12, members.eligible),
               eligibility_checked_at = CASE WHEN ?12 IS NULL THEN members.eligibility_checked_at ELSE ?10 END
             RETURNING *`,
          )
          .bind(
            id,
            program.id,
            identity.id,
            identity.email ?? null,
            verified && identity.email ? 1 : 0,
            identity.name ?? null,
            identity.company ?? null,
            verified,
            code,
            now,
            passed,
            verdict,
            firstVerdict,
          ),
        ...side,
      ]);
      const row = upsert?.results[0] as MemberRow | undefined;
      if (!row) throw new Error("enrol returned no row");
      if (verdict === null) await judgeStoredAttributes(db, program, row, now);
      return { row, created: row.id === id };
    } catch (err) {
      if (!isUniqueViolation(err, "members.code")) throw err;
      if (opts.customCode) throw new ApiError("code_taken", `The code ${code} is already taken.`, { code });
    }
  }
  throw new ApiError("conflict", "Could not find a free referral code; try again.");
}

/**
 * A member enrolled without attributes this time is judged on the ones stored (the rules may have changed since),
 * or on none. The row is written only when the verdict changed, so an unchanged member costs no extra write.
 */
async function judgeStoredAttributes(db: D1Database, program: Program, row: MemberRow, now: number): Promise<void> {
  const verdict = isEligible(program.eligibility, parseAttributes(row.attributes), now) ? 1 : 0;
  if (row.eligible === verdict) return;
  await db
    .prepare("UPDATE members SET eligible = ?, eligibility_checked_at = ? WHERE id = ?")
    .bind(verdict, now, row.id)
    .run();
  row.eligible = verdict;
  row.eligibility_checked_at = now;
}

function parseAttributes(json: string | null): MemberAttributes | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as MemberAttributes;
  } catch {
    return null;
  }
}

/**
 * Server-side enrolment (e.g. at the member's sign-up), optionally with a custom code. The profile comes from
 * the vendor, so it counts as verified. A member who already exists with another code keeps it: PATCH changes it.
 */
export async function enrolWithCode(
  db: D1Database,
  program: Program,
  input: {
    id: string;
    email?: string | undefined;
    name?: string | undefined;
    company?: string | undefined;
    code?: string | undefined;
    attributes?: MemberAttributes | undefined;
  },
): Promise<{ row: MemberRow; created: boolean }> {
  const { code, ...identity } = input;
  if (code) {
    const existing = await db
      .prepare("SELECT id, code FROM members WHERE program_id = ? AND external_id = ?")
      .bind(program.id, identity.id)
      .first<{ id: string; code: string }>();
    if (existing && existing.code !== normalizeCode(code)) {
      throw new ApiError("conflict", "This member already exists with another code; PATCH the member to change it.", {
        member_id: existing.id,
        code: existing.code,
      });
    }
  }
  return enrolMember(db, program, { ...identity, profileVerified: true }, { customCode: code });
}

export function listMembers(
  db: D1Database,
  programId: string,
  q: { limit: number; cursor?: string | undefined; q?: string | undefined },
): Promise<Page<MemberRow>> {
  return listPage<MemberRow>(db, { table: "members" }, { program_id: programId }, q, "desc", {
    term: q.q,
    columns: ["name", "email", "code", "external_id", "company"],
  });
}

export function getMember(db: D1Database, programId: string, memberId: string): Promise<MemberRow> {
  return rowInProgram(db, "members", programId, memberId, ["member_not_found", "member"]);
}

/** The secret-key API's changes to a member. An email set here is verified (it comes from the vendor). */
export async function updateMember(
  db: D1Database,
  programId: string,
  memberId: string,
  input: { code?: string; email?: string | null; name?: string | null; company?: string | null },
): Promise<MemberRow> {
  const current = await getMember(db, programId, memberId);
  const next = {
    code: input.code !== undefined ? normalizeCode(input.code) : current.code,
    email: input.email !== undefined ? input.email : current.email,
    name: input.name !== undefined ? input.name : current.name,
    company: input.company !== undefined ? input.company : current.company,
  };
  const statements = [
    db
      .prepare(
        `UPDATE members SET code = ?, email = ?, email_verified = ?, name = ?, company = ?, profile_verified = ?
         WHERE id = ? RETURNING *`,
      )
      .bind(
        next.code,
        next.email,
        input.email !== undefined ? (next.email ? 1 : 0) : current.email_verified,
        next.name,
        next.company,
        input.name !== undefined || input.company !== undefined ? 1 : current.profile_verified,
        current.id,
      ),
  ];
  if (input.email) {
    statements.push(
      db
        .prepare(
          `INSERT INTO member_emails (member_id, email_key, verified, created_at) VALUES (?, ?, 1, ?)
           ON CONFLICT (member_id, email_key) DO UPDATE SET verified = 1`,
        )
        .bind(current.id, emailKey(input.email), Date.now()),
    );
  }
  try {
    const [updated] = await db.batch(statements);
    return updated?.results[0] as MemberRow;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ApiError("code_taken", `The code ${next.code} is already taken.`, { code: next.code });
    }
    throw err;
  }
}

/**
 * Suspends (or, with `lift`, reinstates) a member, with an audit row in the same batch. While suspended,
 * their link records no visits or leads, their referrals earn nothing, and approval skips their rewards.
 */
export async function setSuspended(
  db: D1Database,
  programId: string,
  memberId: string,
  opts: { reason?: string | undefined; actor: string; lift?: boolean },
): Promise<MemberRow> {
  const now = Date.now();
  await getMember(db, programId, memberId); // 404 before anything is written or audited
  const [updated] = await db.batch([
    db
      .prepare(
        opts.lift
          ? "UPDATE members SET suspended_at = NULL, suspended_reason = NULL WHERE id = ? AND program_id = ? RETURNING *"
          : `UPDATE members SET suspended_at = COALESCE(suspended_at, ?3), suspended_reason = ?4
             WHERE id = ?1 AND program_id = ?2 RETURNING *`,
      )
      .bind(memberId, programId, ...(opts.lift ? [] : [now, opts.reason ?? null])),
    auditStatement(
      db,
      {
        programId,
        memberId,
        action: opts.lift ? "member.unsuspended" : "member.suspended",
        actor: opts.actor,
        reason: opts.reason ?? null,
      },
      now,
    ),
  ]);
  const row = updated?.results[0] as MemberRow | undefined;
  if (!row) throw new ApiError("member_not_found", `No member ${memberId} in this program.`);
  return row;
}

/** What the widget counts, by the lifecycle's definitions: a churned customer still converted, a refund did not. */
export async function memberStats(db: D1Database, memberId: string): Promise<MemberStats> {
  const l = lifecycleSql("r");
  const row = await db
    .prepare(
      `SELECT
         (SELECT COUNT(*) FROM visits WHERE member_id = ?1) AS visits,
         (SELECT COUNT(*) FROM shares WHERE member_id = ?1) AS shares,
         COALESCE(SUM(${l.lead}), 0) AS leads,
         COALESCE(SUM(${l.qualified}), 0) AS qualified,
         COALESCE(SUM(${l.converted}), 0) AS converted
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
    created_at: iso(r.created_at),
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
