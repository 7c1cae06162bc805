import { buildGreeting } from "../greeting/greeting";
import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import { referralLink } from "../lib/links";
import type { Program } from "../programs/service";
import { type RulesRow, toRuleset } from "../rewards/rules";
import type { Ruleset } from "../rewards/schema";
import { mintClickId } from "./click-id";
import type { ShareChannel, VisitInput, VisitResponse } from "./schema";
import type { VisitMessage } from "./visit-queue";

/**
 * What the visit needs about a code's member: who (the click id), and what the friend's greeting says (their
 * name and company, and the program's current reward rules, read in the same statement).
 */
export interface CodeMember {
  id: string;
  code: string;
  name: string | null;
  company: string | null;
  rules: Ruleset | null;
}

/** What a code resolved to in this isolate, and when: a member, or nothing (an unknown or suspended code). */
const codes = new Map<string, { at: number; member: CodeMember | null }>();
const CODE_TTL_MS = 60_000;

/**
 * The member behind a code, from the isolate's cache (60 s, unknown codes too) or one indexed read: a visit
 * checks its code without a database read per visit. A suspension or code change in this isolate is seen
 * at once (`forgetCodes`); other isolates see it within the minute.
 */
/** The member behind a code with the program's current rules: indexed reads only (tracking.test.ts, greeting.test.ts). */
export const CODE_MEMBER_SQL = `SELECT m.id, m.code, m.name, m.company, r.version, r.config, r.created_at
  FROM members m LEFT JOIN reward_rules r ON r.program_id = m.program_id
    AND r.version = (SELECT MAX(version) FROM reward_rules WHERE program_id = m.program_id)
  WHERE m.program_id = ? AND m.code = ? AND m.suspended_at IS NULL`;

export async function memberForCode(
  db: D1Database,
  programId: string,
  code: string,
  now = Date.now(),
): Promise<CodeMember | null> {
  const key = `${programId}:${code}`;
  const hit = codes.get(key);
  if (hit && now - hit.at < CODE_TTL_MS) return hit.member;
  // The greeting's rules come with the member (the current version, one indexed read), not as a second query.
  const row = await db
    .prepare(CODE_MEMBER_SQL)
    .bind(programId, code)
    .first<{ id: string; code: string; name: string | null; company: string | null } & NullableRulesRow>();
  const member: CodeMember | null = row
    ? {
        id: row.id,
        code: row.code,
        name: row.name,
        company: row.company,
        rules: row.version === null ? null : toRuleset(row as RulesRow),
      }
    : null;
  if (codes.size >= 20_000) codes.clear();
  codes.set(key, { at: now, member });
  return member;
}

type NullableRulesRow = { [K in keyof RulesRow]: RulesRow[K] | null };

export function forgetCodes(programId: string): void {
  for (const key of codes.keys()) if (key.startsWith(`${programId}:`)) codes.delete(key);
}

/**
 * The hot path, with no database write: the code is checked against the isolate's cache, the click id is
 * minted (it carries and authenticates the member and the time, so a lead a millisecond later is
 * attributed before the visit's row lands), and the visit goes on the `VISITS` queue, whose consumer
 * writes it (visit-queue.ts). The answer comes once the queue has the visit. A suspended member's code
 * answers like an unknown one: their link records nothing new.
 */
export async function recordVisit(
  env: { DB: D1Database; VISITS: Queue<VisitMessage> },
  program: Program,
  v: VisitInput,
  seen: { visitorHash: string; country: string | null; now: number; acceptLanguage?: string | undefined },
): Promise<VisitResponse> {
  const code = normalizeCode(v.code);
  const member = await memberForCode(env.DB, program.id, code, seen.now);
  if (!member) throw new ApiError("unknown_code", `No member has the referral code ${v.code}.`, { code: v.code });
  const clickId = await mintClickId(program, member.id, seen.now);
  await env.VISITS.send({
    id: clickId,
    program_id: program.id,
    member_id: member.id,
    code: member.code,
    campaign: v.campaign ?? v.utm_campaign ?? null,
    sub_source: v.sub_source ?? null,
    landing_url: v.landing_url ?? null,
    referrer: v.referrer ?? null,
    utm_source: v.utm_source ?? null,
    utm_medium: v.utm_medium ?? null,
    utm_campaign: v.utm_campaign ?? null,
    country: seen.country,
    visitor_hash: seen.visitorHash,
    created_at: seen.now,
  });
  return {
    click_id: clickId,
    code,
    attribution: { model: program.attributionModel, window_days: program.attributionWindowDays },
    expires_at: new Date(seen.now + program.attributionWindowDays * 86_400_000).toISOString(),
    greeting: buildGreeting(
      member,
      {
        reveal: program.greetingReveal,
        offer: program.greetingOffer,
        program: program.name,
        pageLanguage: program.pageLanguage,
      },
      member.rules?.config ?? null,
      seen.acceptLanguage,
    ),
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
