import { type ReviewRow, reviewView } from "../fraud/reviews";
import { type AuditRow, auditView } from "../lib/audit";
import { emailKey } from "../lib/email";
import { ApiError } from "../lib/errors";
import type { Page } from "../lib/pagination";
import { listPage } from "../lib/program-rows";
import { iso } from "../lib/time";
import type { ListReferralsQuery, ReferralView } from "./schema";
import type { ReferralStatus } from "./status";

export interface ReferralRow {
  id: string;
  program_id: string;
  member_id: string;
  click_id: string | null;
  campaign: string | null;
  source: string;
  friend_email: string;
  /** The address normalised (src/lib/email.ts): one referral per person, whatever the spelling. */
  friend_email_key: string;
  friend_name: string | null;
  friend_company: string | null;
  friend_role: string | null;
  friend_company_size: string | null;
  external_customer_id: string | null;
  status: ReferralStatus;
  version: number;
  plan: string | null;
  value_cents: number | null;
  currency: string | null;
  /** The lead request's daily visitor hash (browser leads only). */
  visitor_hash: string | null;
  /** When an admin rejected its fraud review: it then counts for nothing. */
  rejected_at: number | null;
  /** The lifecycle (lifecycle.ts): how far along the funnel it has ever been, and when it got there. */
  reached: number;
  qualified_at: number | null;
  converted_at: number | null;
  /** When it was lost or refunded. */
  ended_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  id: string;
  program_id: string;
  referral_id: string;
  seq: number;
  from_status: ReferralStatus | null;
  to_status: ReferralStatus;
  value_cents: number | null;
  currency: string | null;
  plan: string | null;
  reason: string | null;
  idempotency_key: string | null;
  created_at: number;
}

export function referralView(r: ReferralRow): ReferralView {
  return {
    id: r.id,
    member_id: r.member_id,
    status: r.status,
    source: r.source,
    click_id: r.click_id,
    campaign: r.campaign,
    friend: {
      email: r.friend_email,
      name: r.friend_name,
      company: r.friend_company,
      role: r.friend_role,
      company_size: r.friend_company_size,
    },
    external_customer_id: r.external_customer_id,
    plan: r.plan,
    value_cents: r.value_cents,
    currency: r.currency,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function eventView(e: EventRow) {
  return {
    id: e.id,
    seq: e.seq,
    from: e.from_status,
    to: e.to_status,
    value_cents: e.value_cents,
    currency: e.currency,
    plan: e.plan,
    reason: e.reason,
    idempotency_key: e.idempotency_key,
    created_at: iso(e.created_at),
  };
}

/** A referral and its events as two statements, so callers can read them in one batch with their other reads. */
export function referralReads(db: D1Database, programId: string, id: string): D1PreparedStatement[] {
  return [
    db.prepare("SELECT * FROM referrals WHERE id = ? AND program_id = ?").bind(id, programId),
    db.prepare("SELECT * FROM events WHERE referral_id = ? ORDER BY seq").bind(id),
  ];
}

/** Interprets `referralReads` results; an unknown id (or another program's) is `referral_not_found`. */
export function referralFrom(
  id: string,
  referralRes: D1Result | undefined,
  eventsRes: D1Result | undefined,
): { referral: ReferralRow; events: EventRow[] } {
  const referral = referralRes?.results[0] as ReferralRow | undefined;
  if (!referral) throw new ApiError("referral_not_found", `No referral ${id} in this program.`);
  return { referral, events: (eventsRes?.results ?? []) as EventRow[] };
}

export function listReferrals(db: D1Database, programId: string, q: ListReferralsQuery): Promise<Page<ReferralRow>> {
  return listPage<ReferralRow>(
    db,
    { table: "referrals" },
    {
      program_id: programId,
      status: q.status,
      member_id: q.member_id,
      friend_email_key: q.email ? emailKey(q.email) : undefined,
    },
    q,
    "desc",
    { term: q.q, columns: ["friend_email", "friend_name", "friend_company", "external_customer_id"] },
  );
}

/** One referral with its status history, its fraud reviews and its audit trail, in one round trip. */
export async function referralDetail(db: D1Database, programId: string, id: string) {
  const [referralRes, eventsRes, reviewsRes, auditRes] = await db.batch([
    ...referralReads(db, programId, id),
    db.prepare("SELECT * FROM reviews WHERE referral_id = ? ORDER BY created_at").bind(id),
    db.prepare("SELECT * FROM audit_log WHERE referral_id = ? ORDER BY created_at, id").bind(id),
  ]);
  const { referral, events } = referralFrom(id, referralRes, eventsRes);
  return {
    referral: referralView(referral),
    events: events.map(eventView),
    reviews: ((reviewsRes?.results ?? []) as ReviewRow[]).map(reviewView),
    audit: ((auditRes?.results ?? []) as AuditRow[]).map(auditView),
  };
}
