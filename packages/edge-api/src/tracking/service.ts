import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import { referralLink } from "../lib/links";
import type { Program } from "../programs/service";
import type { ShareChannel, VisitInput, VisitResponse } from "./schema";

/**
 * The hot path: one INSERT … SELECT that both checks the code and writes the visit. A suspended member's
 * code answers like an unknown one: their link records nothing new.
 */
export async function recordVisit(
  db: D1Database,
  program: Program,
  v: VisitInput,
  seen: { visitorHash: string; country: string | null; now: number },
): Promise<VisitResponse> {
  const clickId = newId("clk");
  const code = normalizeCode(v.code);
  const result = await db
    .prepare(
      `INSERT INTO visits (id, program_id, member_id, code, campaign, sub_source, landing_url, referrer,
          utm_source, utm_medium, utm_campaign, country, visitor_hash, created_at)
       SELECT ?, ?, m.id, m.code, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM members m
       WHERE m.code = ? AND m.program_id = ? AND m.suspended_at IS NULL RETURNING id`,
    )
    .bind(
      clickId,
      program.id,
      v.campaign ?? v.utm_campaign ?? null,
      v.sub_source ?? null,
      v.landing_url ?? null,
      v.referrer ?? null,
      v.utm_source ?? null,
      v.utm_medium ?? null,
      v.utm_campaign ?? null,
      seen.country,
      seen.visitorHash,
      seen.now,
      code,
      program.id,
    )
    .all();
  // RETURNING, not meta.changes: D1 counts the rows the rollup triggers write too.
  if (result.results.length !== 1) {
    throw new ApiError("unknown_code", `No member has the referral code ${v.code}.`, { code: v.code });
  }
  return {
    click_id: clickId,
    code,
    attribution: { model: program.attributionModel, window_days: program.attributionWindowDays },
    expires_at: new Date(seen.now + program.attributionWindowDays * 86_400_000).toISOString(),
  };
}

/** A share by an active member (a suspended member's shares are refused). */
export async function recordShare(db: D1Database, program: Program, memberId: string, channel: ShareChannel) {
  const id = newId("shr");
  const { results } = await db
    .prepare(
      `INSERT INTO shares (id, program_id, member_id, channel, created_at)
       SELECT ?, ?, id, ?, ? FROM members WHERE id = ? AND program_id = ? AND suspended_at IS NULL RETURNING id`,
    )
    .bind(id, program.id, channel, Date.now(), memberId, program.id)
    .all();
  if (results.length !== 1) throw new ApiError("member_suspended", "This member's referral link is paused.");
  return { id, channel };
}

interface LandingRow {
  landing_url: string;
  param_names: string;
}

/** Where a short link goes: the program's referral link for the code (`slug` names the program). */
export async function shortLinkTarget(db: D1Database, slug: string, code: string): Promise<URL> {
  const canonical = normalizeCode(code);
  const row = await db
    .prepare(
      `SELECT p.landing_url, p.param_names FROM programs p JOIN members m ON m.program_id = p.id
       WHERE p.slug = ? AND m.code = ? AND m.suspended_at IS NULL`,
    )
    .bind(slug, canonical)
    .first<LandingRow>();
  if (!row) throw new ApiError("unknown_code", `No member has the referral code ${canonical}.`, { code: canonical });
  return referralLink(row.landing_url, JSON.parse(row.param_names) as string[], canonical);
}
