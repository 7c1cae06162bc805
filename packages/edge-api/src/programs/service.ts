import { type FraudRules, parseFraudRules } from "../fraud/schema";
import { ApiError } from "../lib/errors";
import { jwtSecretFor } from "../members/jwt-secret";
import { effectiveOffer, programWarnings } from "../rewards/offer";
import type { Ruleset } from "../rewards/schema";
import { identitySecretRotation } from "./rotation";

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
}

function parseList(json: string): string[] {
  try {
    const value = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
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
  };
}

/**
 * The program as its owner sees it through the secret-key API: never the identity secret. `offer_text` is what
 * members see (the override, or the current rules in words); `warnings` say what to fix before launch.
 */
export function publicProgram(p: Program, ruleset: Ruleset | null) {
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
    created_at: new Date(p.createdAt).toISOString(),
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
    previous_valid_until:
      rotation.previousValidUntil === null ? null : new Date(rotation.previousValidUntil).toISOString(),
  };
}
