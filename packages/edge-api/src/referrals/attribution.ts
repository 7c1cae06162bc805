import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import type { MemberRow } from "../members/service";
import type { Program } from "../programs/service";
import type { ReferralRow } from "./service";

/** Personal-mail domains: two people on gmail.com are not the same company. */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.de",
  "web.de",
  "yandex.com",
  "zoho.com",
  "mail.com",
  "fastmail.com",
  "hey.com",
]);

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** Refuses a referral of oneself: the same person, or (when the program says so) the same company. */
export function assertNotSelfReferral(program: Program, member: MemberRow, friendEmail: string): void {
  const friend = friendEmail.toLowerCase();
  const own = member.email?.toLowerCase();
  if (own && own === friend) {
    throw new ApiError("self_referral", "Members cannot refer themselves.", { reason: "same_email" });
  }
  if (program.blockSameDomain && own) {
    const domain = emailDomain(friend);
    if (!FREE_MAIL.has(domain) && domain === emailDomain(own)) {
      throw new ApiError(
        "self_referral",
        `Referrals within the member's own company (${domain}) do not count in this program.`,
        { reason: "same_domain", domain },
      );
    }
  }
}

export interface Attribution {
  member: MemberRow;
  clickId: string | null;
  campaign: string | null;
}

export interface AttributionInput {
  memberId?: string | undefined;
  clickId?: string | undefined;
  code?: string | undefined;
}

type AttributionRow = MemberRow & { visit_at: number | null; visit_campaign: string | null };

/**
 * Who referred this person, strongest evidence first: the member themselves (peer form), the click id
 * the tracker kept, then a code typed into a form. As a statement, so a caller can put it into the same
 * D1 batch as its other reads; `attributionFrom` interprets the row.
 */
export function attributionStatement(db: D1Database, program: Program, input: AttributionInput): D1PreparedStatement {
  if (input.memberId) {
    return db
      .prepare(
        "SELECT NULL AS visit_at, NULL AS visit_campaign, m.* FROM members m WHERE m.id = ? AND m.program_id = ?",
      )
      .bind(input.memberId, program.id);
  }
  if (input.clickId) {
    return db
      .prepare(
        `SELECT v.created_at AS visit_at, v.campaign AS visit_campaign, m.* FROM visits v
         JOIN members m ON m.id = v.member_id WHERE v.id = ? AND v.program_id = ?`,
      )
      .bind(input.clickId, program.id);
  }
  if (input.code) {
    return db
      .prepare(
        "SELECT NULL AS visit_at, NULL AS visit_campaign, m.* FROM members m WHERE m.code = ? AND m.program_id = ?",
      )
      .bind(normalizeCode(input.code), program.id);
  }
  throw new ApiError("no_attribution", "Send a click_id, a code or a member_token to say who referred this person.");
}

/** A click older than the program's window no longer attributes. */
export function attributionFrom(
  program: Program,
  input: AttributionInput,
  result: D1Result | undefined,
  now = Date.now(),
): Attribution {
  const row = result?.results[0] as AttributionRow | undefined;
  if (!row) {
    if (input.memberId) throw new ApiError("member_not_found", "The member behind this token no longer exists.");
    if (input.clickId) throw new ApiError("unknown_click", `No visit has the click id ${input.clickId}.`);
    const code = normalizeCode(input.code ?? "");
    throw new ApiError("unknown_code", `No member has the referral code ${input.code}.`, { code });
  }
  const { visit_at, visit_campaign, ...member } = row;
  if (input.memberId) return { member, clickId: null, campaign: null };
  if (input.clickId && visit_at !== null) {
    if (now - visit_at > program.attributionWindowDays * 86_400_000) {
      throw new ApiError(
        "attribution_expired",
        `The referral visit is older than this program's ${program.attributionWindowDays}-day window.`,
        { visited_at: new Date(visit_at).toISOString() },
      );
    }
    return { member, clickId: input.clickId, campaign: visit_campaign };
  }
  return { member, clickId: null, campaign: null };
}

export async function resolveAttribution(
  db: D1Database,
  program: Program,
  input: AttributionInput,
  now = Date.now(),
): Promise<Attribution> {
  return attributionFrom(program, input, await attributionStatement(db, program, input).all(), now);
}

export interface Friend {
  email: string;
  name?: string | undefined;
  company?: string | undefined;
  role?: string | undefined;
  size?: string | undefined;
  externalCustomerId?: string | undefined;
}

/** The row of a referral about to be created: status `lead` at version 0, before its first event. */
export function newReferralRow(
  program: Program,
  attribution: Attribution,
  source: "form" | "peer" | "conversion",
  friend: Friend,
  now: number,
): ReferralRow {
  return {
    id: newId("ref"),
    program_id: program.id,
    member_id: attribution.member.id,
    click_id: attribution.clickId,
    campaign: attribution.campaign,
    source,
    friend_email: friend.email,
    friend_name: friend.name ?? null,
    friend_company: friend.company ?? null,
    friend_role: friend.role ?? null,
    friend_company_size: friend.size ?? null,
    external_customer_id: friend.externalCustomerId ?? null,
    status: "lead",
    version: 0,
    plan: null,
    value_cents: null,
    currency: null,
    created_at: now,
    updated_at: now,
  };
}
