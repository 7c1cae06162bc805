import { generateApiKey, newApiKey } from "../keys/create";
import { randomToken } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { Statement } from "../lib/sql";
import { type RulesetInput, rulesetSchema } from "../rewards/schema";
import { isOriginAllowed, originOf } from "./origins";
import { type CreateProgramInput, createProgramSchema } from "./schema";

export interface NewProgram {
  programId: string;
  slug: string;
  publishableKey: string;
  secretKey: string;
  identitySecret: string;
  statements: Statement[];
}

export const DEFAULT_MESSAGE =
  "Hi! I've been using {program} and think you'd like it too. {offer} Sign up with my link: {link}";

function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base.length >= 2 ? base : "program";
}

/**
 * Builds the rows of a new program, its first key pair and, with `rules`, version 1 of its reward rules (the
 * JSON `PUT /v1/reward-rules` would store). Pure and runtime-neutral (Web Crypto only), so the Worker, the
 * tests and the `vouch` CLI (which writes to D1 through wrangler) share it. Fixed keys are for the local demo
 * seed only.
 */
export async function buildProgram(
  input: CreateProgramInput,
  opts: {
    now?: number;
    fixed?: {
      programId: string;
      publishableKey: string;
      secretKey: string;
      identitySecret: string;
      tokenSecret?: string;
    };
    rules?: RulesetInput;
  } = {},
): Promise<NewProgram> {
  const p = createProgramSchema.parse(input);
  const now = opts.now ?? Date.now();
  const programId = opts.fixed?.programId ?? newId("prg");
  const publishableKey = opts.fixed?.publishableKey ?? generateApiKey("publishable", p.test_mode);
  const secretKey = opts.fixed?.secretKey ?? generateApiKey("secret", p.test_mode);
  const identitySecret = opts.fixed?.identitySecret ?? `vch_is_${randomToken(24)}`;
  const slug = p.slug ?? `${slugify(p.name)}-${programId.slice(-4).toLowerCase()}`;
  // The tracker runs on the landing page, and /r/ redirects there: its origin must be an allowed one.
  const landingOrigin = originOf(p.landing_url);
  const allowedOrigins =
    landingOrigin && !isOriginAllowed(landingOrigin, p.allowed_origins)
      ? [...p.allowed_origins, landingOrigin]
      : p.allowed_origins;
  const statements: Statement[] = [
    {
      sql: `INSERT INTO programs (id, name, slug, landing_url, program_page_url, allowed_origins, identity_secret, test_mode,
              attribution_model, attribution_window_days, param_names, block_same_domain, offer_text, brand_color,
              message_template, created_at, token_secret, require_signature_timestamp, fraud_rules)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        programId,
        p.name,
        slug,
        p.landing_url,
        p.program_page_url ?? null,
        JSON.stringify(allowedOrigins),
        identitySecret,
        p.test_mode ? 1 : 0,
        p.attribution.model,
        p.attribution.window_days,
        JSON.stringify(p.attribution.param_names),
        p.block_same_domain ? 1 : 0,
        p.offer_text,
        p.brand_color,
        p.message_template || DEFAULT_MESSAGE,
        now,
        opts.fixed?.tokenSecret ?? randomToken(32),
        p.require_signature_timestamp ? 1 : 0,
        JSON.stringify(p.fraud_rules),
      ],
    },
  ];
  for (const [type, key] of [
    ["publishable", publishableKey],
    ["secret", secretKey],
  ] as const) {
    statements.push((await newApiKey(programId, type, p.test_mode, { now, fixed: key })).statement);
  }
  if (opts.rules) {
    statements.push({
      sql: "INSERT INTO reward_rules (program_id, version, config, created_at) VALUES (?, ?, ?, ?)",
      params: [programId, 1, JSON.stringify(rulesetSchema.parse(opts.rules)), now],
    });
  }
  return { programId, slug, publishableKey, secretKey, identitySecret, statements };
}
