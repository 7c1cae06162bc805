import { parseEligibilityRules } from "../eligibility/rules";
import type { EligibilityRules } from "../eligibility/schema";
import { type FraudRules, fraudRulesSchema, mergeFraudRules, parseFraudRules } from "../fraud/schema";
import {
  DEFAULT_GREETING_REVEAL,
  GREETING_REVEALS,
  type GreetingOffer,
  type GreetingReveal,
  parseGreetingOffer,
} from "../greeting/schema";
import { ApiError } from "../lib/errors";
import { iso } from "../lib/time";
import { parseWith } from "../lib/validate";
import { jwtSecretFor } from "../members/jwt-secret";
import { type MomentSettings, parseMomentSettings } from "../moments/settings";
import { hostedPageUrl } from "../program-page/url";
import { effectiveOffer, programWarnings } from "../rewards/offer";
import type { Ruleset } from "../rewards/schema";
import { DEFAULT_MESSAGE } from "./create";
import { isOriginAllowed, originOf } from "./origins";
import { identitySecretRotation } from "./rotation";
import type { FaqEntry, PageLanguage, UpdateProgramInput } from "./schema";

export interface ProgramRow {
  id: string;
  name: string;
  slug: string;
  landing_url: string;
  program_page_url: string | null;
  allowed_origins: string;
  identity_secret: string;
  test_mode: number;
  attribution_model: "first" | "last";
  attribution_window_days: number;
  param_names: string;
  block_same_domain: number;
  offer_text: string;
  brand_color: string;
  message_template: string;
  created_at: number;
  token_secret: string;
  previous_identity_secret: string | null;
  previous_identity_secret_until: number | null;
  require_signature_timestamp: number;
  fraud_rules: string;
  page_faq: string | null;
  page_terms: string | null;
  logo_url: string | null;
  page_language: PageLanguage | null;
  greeting_reveal: GreetingReveal;
  greeting_offer: string | null;
  eligibility_rules: string | null;
  moment_settings: string | null;
}

export interface Program {
  id: string;
  name: string;
  slug: string;
  landingUrl: string;
  programPageUrl: string | null;
  allowedOrigins: string[];
  identitySecret: string;
  testMode: boolean;
  attributionModel: "first" | "last";
  attributionWindowDays: number;
  paramNames: string[];
  blockSameDomain: boolean;
  offerText: string;
  brandColor: string;
  messageTemplate: string;
  createdAt: number;
  /** Never leaves the server: member tokens, click ids and visitor hashes use keys derived from it. */
  tokenSecret: string;
  /** The identity secret before the last rotation, valid until `previousIdentitySecretUntil`. */
  previousIdentitySecret: string | null;
  previousIdentitySecretUntil: number | null;
  requireSignatureTimestamp: boolean;
  fraudRules: FraudRules;
  /** The hosted page (src/program-page): null means the default questions, the default terms, the browser's language. */
  pageFaq: FaqEntry[] | null;
  pageTerms: string | null;
  logoUrl: string | null;
  pageLanguage: PageLanguage | null;
  /** What the friend's greeting says about the referrer, and the vendor's words for the friend's offer. */
  greetingReveal: GreetingReveal;
  greetingOffer: GreetingOffer | null;
  /** Who may see the callout (src/eligibility); null: every member. */
  eligibility: EligibilityRules | null;
  /** The nudges' words and cooldowns per moment (src/moments); {} uses the defaults. */
  moments: MomentSettings;
}

function parseList(json: string): string[] {
  try {
    const value = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

/** The stored questions; a row that does not parse shows the defaults rather than breaking the page. */
function parseFaq(json: string | null): FaqEntry[] | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return null;
    return value.filter(
      (e): e is FaqEntry => typeof e === "object" && e !== null && typeof e.q === "string" && typeof e.a === "string",
    );
  } catch {
    return null;
  }
}

export function toProgram(row: ProgramRow): Program {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    landingUrl: row.landing_url,
    programPageUrl: row.program_page_url,
    allowedOrigins: parseList(row.allowed_origins),
    identitySecret: row.identity_secret,
    testMode: row.test_mode === 1,
    attributionModel: row.attribution_model,
    attributionWindowDays: row.attribution_window_days,
    paramNames: parseList(row.param_names),
    blockSameDomain: row.block_same_domain === 1,
    offerText: row.offer_text,
    brandColor: row.brand_color,
    messageTemplate: row.message_template,
    createdAt: row.created_at,
    tokenSecret: row.token_secret,
    previousIdentitySecret: row.previous_identity_secret,
    previousIdentitySecretUntil: row.previous_identity_secret_until,
    requireSignatureTimestamp: row.require_signature_timestamp === 1,
    fraudRules: parseFraudRules(row.fraud_rules),
    pageFaq: parseFaq(row.page_faq),
    pageTerms: row.page_terms,
    logoUrl: row.logo_url,
    pageLanguage: row.page_language === "en" || row.page_language === "de" ? row.page_language : null,
    greetingReveal: GREETING_REVEALS.includes(row.greeting_reveal) ? row.greeting_reveal : DEFAULT_GREETING_REVEAL,
    greetingOffer: parseGreetingOffer(row.greeting_offer),
    eligibility: parseEligibilityRules(row.eligibility_rules),
    moments: parseMomentSettings(row.moment_settings),
  };
}

/**
 * The program as its owner sees it through the secret-key API: never the identity secret. `offer_text` is what
 * members see (the override, or the current rules in words); `warnings` say what to fix before launch.
 * `apiOrigin` is where the hosted program page is served (`page_url`).
 */
export function publicProgram(p: Program, ruleset: Ruleset | null, apiOrigin: string) {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    landing_url: p.landingUrl,
    program_page_url: p.programPageUrl,
    allowed_origins: p.allowedOrigins,
    test_mode: p.testMode,
    attribution: { model: p.attributionModel, window_days: p.attributionWindowDays, param_names: p.paramNames },
    block_same_domain: p.blockSameDomain,
    offer_text: effectiveOffer(p, ruleset),
    offer_text_override: p.offerText.trim() ? p.offerText : null,
    brand_color: p.brandColor,
    message_template: p.messageTemplate,
    require_signature_timestamp: p.requireSignatureTimestamp,
    identity_secret_rotation:
      p.previousIdentitySecretUntil !== null && p.previousIdentitySecretUntil > Date.now()
        ? { previous_valid_until: new Date(p.previousIdentitySecretUntil).toISOString() }
        : null,
    fraud_rules: p.fraudRules,
    page_url: hostedPageUrl(apiOrigin, p.slug),
    page_faq: p.pageFaq,
    page_terms: p.pageTerms,
    logo_url: p.logoUrl,
    page_language: p.pageLanguage,
    greeting: { reveal: p.greetingReveal, offer: p.greetingOffer },
    eligibility: p.eligibility,
    moments: p.moments,
    created_at: iso(p.createdAt),
    warnings: programWarnings(ruleset),
  };
}

export async function getProgram(db: D1Database, id: string): Promise<Program> {
  const row = await db.prepare("SELECT * FROM programs WHERE id = ?").bind(id).first<ProgramRow>();
  if (!row) throw new ApiError("not_found", "Program not found.");
  return toProgram(row);
}

/** Rotates the identity secret (see rotation.ts) and answers what the host needs, shown once. */
export async function rotateIdentitySecret(db: D1Database, program: Program, graceHours: number, actor: string) {
  const rotation = identitySecretRotation(program.id, graceHours, actor);
  await db.batch(rotation.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  return {
    identity_secret: rotation.secret,
    jwt_secret: await jwtSecretFor(rotation.secret),
    previous_valid_until: iso(rotation.previousValidUntil),
  };
}

/**
 * Saves the settings a PATCH names (nothing else changes) and returns the program's id. The landing page must
 * stay on an allowed origin: /r/ redirects there and the tracker runs there. Fraud rules are merged into the
 * stored ones, then validated whole.
 */
export async function updateProgram(db: D1Database, current: Program, input: UpdateProgramInput): Promise<string> {
  const sets: string[] = [];
  const params: (string | number | null)[] = [];
  const set = (column: string, value: string | number | null) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (input.name !== undefined) set("name", input.name);
  if (input.landing_url !== undefined) set("landing_url", input.landing_url);
  if (input.program_page_url !== undefined) set("program_page_url", input.program_page_url);
  if (input.allowed_origins !== undefined) set("allowed_origins", JSON.stringify(input.allowed_origins));
  if (input.test_mode !== undefined) set("test_mode", input.test_mode ? 1 : 0);
  if (input.block_same_domain !== undefined) set("block_same_domain", input.block_same_domain ? 1 : 0);
  // Both name the override ("" or null: say what the rules pay); offer_text is the older spelling.
  const offerOverride = input.offer_text_override !== undefined ? input.offer_text_override : input.offer_text;
  if (offerOverride !== undefined) set("offer_text", offerOverride ?? "");
  if (input.brand_color !== undefined) set("brand_color", input.brand_color);
  if (input.message_template !== undefined) set("message_template", input.message_template || DEFAULT_MESSAGE);
  if (input.attribution?.model !== undefined) set("attribution_model", input.attribution.model);
  if (input.attribution?.window_days !== undefined) set("attribution_window_days", input.attribution.window_days);
  if (input.attribution?.param_names !== undefined) set("param_names", JSON.stringify(input.attribution.param_names));
  if (input.page_faq !== undefined) set("page_faq", input.page_faq === null ? null : JSON.stringify(input.page_faq));
  if (input.page_terms !== undefined) set("page_terms", input.page_terms);
  if (input.logo_url !== undefined) set("logo_url", input.logo_url);
  if (input.page_language !== undefined) set("page_language", input.page_language);
  if (input.greeting?.reveal !== undefined) set("greeting_reveal", input.greeting.reveal);
  if (input.greeting?.offer !== undefined) {
    set("greeting_offer", input.greeting.offer === null ? null : JSON.stringify(input.greeting.offer));
  }
  if (input.eligibility !== undefined) {
    set("eligibility_rules", input.eligibility === null ? null : JSON.stringify(input.eligibility));
  }
  if (input.moments !== undefined) {
    set("moment_settings", input.moments === null ? null : JSON.stringify(input.moments));
  }
  if (input.require_signature_timestamp !== undefined) {
    set("require_signature_timestamp", input.require_signature_timestamp ? 1 : 0);
  }
  if (input.fraud_rules !== undefined) {
    const merged = parseWith(
      fraudRulesSchema,
      mergeFraudRules(current.fraudRules, input.fraud_rules),
      "Request body",
      "fraud_rules",
    );
    set("fraud_rules", JSON.stringify(merged));
  }
  const landing = input.landing_url ?? current.landingUrl;
  const origins = input.allowed_origins ?? current.allowedOrigins;
  const landingOrigin = originOf(landing);
  if (!landingOrigin || !isOriginAllowed(landingOrigin, origins)) {
    throw new ApiError("validation_failed", "The landing page must be on one of the program's allowed origins.", [
      {
        path: "landing_url",
        message: `Add ${landingOrigin ?? landing} to allowed_origins, or use a page on one of them`,
      },
    ]);
  }
  if (sets.length === 0) {
    throw new ApiError("validation_failed", "Send at least one setting to change.", [
      { path: "", message: "No known setting in the body" },
    ]);
  }
  await db
    .prepare(`UPDATE programs SET ${sets.join(", ")} WHERE id = ?`)
    .bind(...params, current.id)
    .run();
  return current.id;
}

/** The latest visit, member, share, lead and status change of the program: one batch, each an indexed MAX. */
export async function programActivity(db: D1Database, programId: string) {
  const latest = (sql: string) => db.prepare(sql).bind(programId);
  const results = await db.batch<{ at: number | null }>([
    latest("SELECT MAX(created_at) AS at FROM visits WHERE program_id = ?"),
    latest("SELECT MAX(created_at) AS at FROM members WHERE program_id = ?"),
    latest("SELECT MAX(created_at) AS at FROM shares WHERE program_id = ?"),
    latest("SELECT MAX(created_at) AS at FROM referrals WHERE program_id = ?"),
    latest("SELECT MAX(created_at) AS at FROM events WHERE program_id = ?"),
  ]);
  const [visit, member, share, referral, event] = results.map((r) => iso(r.results[0]?.at ?? null));
  return {
    last_visit_at: visit ?? null,
    last_member_at: member ?? null,
    last_share_at: share ?? null,
    last_referral_at: referral ?? null,
    last_event_at: event ?? null,
  };
}
