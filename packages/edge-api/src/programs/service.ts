import { ApiError } from "../lib/errors";
import { effectiveOffer, programWarnings } from "../rewards/offer";
import type { Ruleset } from "../rewards/schema";

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
    created_at: new Date(p.createdAt).toISOString(),
    warnings: programWarnings(ruleset),
  };
}

export async function getProgram(db: D1Database, id: string): Promise<Program> {
  const row = await db.prepare("SELECT * FROM programs WHERE id = ?").bind(id).first<ProgramRow>();
  if (!row) throw new ApiError("not_found", "Program not found.");
  return toProgram(row);
}

/** `https://app.example.com/path` → `https://app.example.com`; anything unparsable → null. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * Allowed origins are exact (`https://app.acme.com`) or a sub-domain wildcard (`https://*.acme.com`,
 * which does not match the bare `https://acme.com`).
 */
export function isOriginAllowed(origin: string, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    if (entry === "*") return true;
    if (entry === origin) return true;
    const star = entry.indexOf("://*.");
    if (star !== -1) {
      const scheme = entry.slice(0, star + 3);
      const suffix = entry.slice(star + 4); // ".acme.com" (keeps the leading dot)
      if (origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length) {
        return true;
      }
    }
  }
  return false;
}
