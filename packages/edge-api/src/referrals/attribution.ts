import { emailKey } from "../lib/email";
import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import type { SqlRef } from "../lib/sql";
import type { MemberRow } from "../members/service";
import type { Program } from "../programs/service";
import { readClickId, type SignedClick } from "../tracking/click-id";
import type { ReferralRow } from "./service";

export interface Attribution {
  member: MemberRow;
  clickId: string | null;
  campaign: string | null;
  /** The visitor hash of the click's visit, for the fraud engine. */
  visitHash: string | null;
}

export interface AttributionInput {
  memberId?: string | undefined;
  clickId?: string | undefined;
  code?: string | undefined;
  /** What a signed click id carries (withSignedClick): its member and time, whether or not its visit has landed. */
  signedClick?: SignedClick | undefined;
}

/**
 * Reads a signed click id before the attribution reads are batched: its member and time need no visit row
 * (visits are written by a queue consumer, a moment later). An older, unsigned click id, or one whose
 * signature does not match, is looked up through its visit row (and a forged one finds none).
 */
export async function withSignedClick(program: Program, input: AttributionInput): Promise<AttributionInput> {
  if (!input.clickId || input.memberId) return input;
  const signed = await readClickId(program, input.clickId);
  return signed && signed !== "invalid" ? { ...input, signedClick: signed } : input;
}

type AttributionRow = MemberRow & { visit_at: number | null; visit_campaign: string | null; visit_hash: string | null };

/** The attributed member's id as a scalar (a parenthesised subquery), for reads batched before the member is known. */
export function attributedMemberRef(program: Program, input: AttributionInput): SqlRef {
  if (input.memberId) return { sql: "?", params: [input.memberId] };
  if (input.signedClick) return { sql: "?", params: [input.signedClick.memberId] };
  if (input.clickId) {
    return {
      sql: "(SELECT member_id FROM visits WHERE id = ? AND program_id = ?)",
      params: [input.clickId, program.id],
    };
  }
  if (input.code) {
    return {
      sql: "(SELECT id FROM members WHERE code = ? AND program_id = ?)",
      params: [normalizeCode(input.code), program.id],
    };
  }
  return { sql: "NULL", params: [] };
}

/**
 * Who referred this person, strongest evidence first: the member themselves (peer form), the click id
 * the tracker kept, then a code typed into a form. As a statement, so a caller can put it into the same
 * D1 batch as its other reads; `attributionFrom` interprets the row.
 */
export function attributionStatement(db: D1Database, program: Program, input: AttributionInput): D1PreparedStatement {
  if (input.memberId) {
    return db
      .prepare(
        "SELECT NULL AS visit_at, NULL AS visit_campaign, NULL AS visit_hash, m.* FROM members m WHERE m.id = ? AND m.program_id = ?",
      )
      .bind(input.memberId, program.id);
  }
  if (input.signedClick) {
    // The click's member and time are its own; the visit row, once it has landed, adds its campaign and hash.
    return db
      .prepare(
        `SELECT ? AS visit_at, v.campaign AS visit_campaign, v.visitor_hash AS visit_hash, m.* FROM members m
         LEFT JOIN visits v ON v.id = ? AND v.program_id = m.program_id WHERE m.id = ? AND m.program_id = ?`,
      )
      .bind(input.signedClick.visitedAt, input.clickId ?? "", input.signedClick.memberId, program.id);
  }
  if (input.clickId) {
    return db
      .prepare(
        `SELECT v.created_at AS visit_at, v.campaign AS visit_campaign, v.visitor_hash AS visit_hash, m.* FROM visits v
         JOIN members m ON m.id = v.member_id WHERE v.id = ? AND v.program_id = ?`,
      )
      .bind(input.clickId, program.id);
  }
  if (input.code) {
    return db
      .prepare(
        "SELECT NULL AS visit_at, NULL AS visit_campaign, NULL AS visit_hash, m.* FROM members m WHERE m.code = ? AND m.program_id = ?",
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
  const { visit_at, visit_campaign, visit_hash, ...member } = row;
  if (input.memberId) return { member, clickId: null, campaign: null, visitHash: null };
  if (input.clickId && visit_at !== null) {
    if (now - visit_at > program.attributionWindowDays * 86_400_000) {
      throw new ApiError(
        "attribution_expired",
        `The referral visit is older than this program's ${program.attributionWindowDays}-day window.`,
        { visited_at: new Date(visit_at).toISOString() },
      );
    }
    return { member, clickId: input.clickId, campaign: visit_campaign, visitHash: visit_hash };
  }
  return { member, clickId: null, campaign: null, visitHash: null };
}

export async function resolveAttribution(
  db: D1Database,
  program: Program,
  input: AttributionInput,
  now = Date.now(),
): Promise<Attribution> {
  const resolved = await withSignedClick(program, input);
  return attributionFrom(program, resolved, await attributionStatement(db, program, resolved).all(), now);
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
  visitorHash: string | null = null,
): ReferralRow {
  return {
    id: newId("ref"),
    program_id: program.id,
    member_id: attribution.member.id,
    click_id: attribution.clickId,
    campaign: attribution.campaign,
    source,
    friend_email: friend.email,
    friend_email_key: emailKey(friend.email),
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
    visitor_hash: visitorHash,
    rejected_at: null,
    reached: 0,
    qualified_at: null,
    converted_at: null,
    ended_at: null,
    created_at: now,
    updated_at: now,
  };
}
