import { z } from "zod";
import { eligibilityRulesSchema } from "../eligibility/schema";
import { fraudRulesPatchSchema, fraudRulesSchema } from "../fraud/schema";
import { greetingSettingsSchema } from "../greeting/schema";
import { timestamp } from "../lib/validate";
import { momentSettingsSchema } from "../moments/settings";

/**
 * Stored the way browsers send them: lower-case host, no default port, no trailing slash
 * (`https://App.acme.com:443/` would otherwise never match the `https://app.acme.com` a browser sends).
 */
const origin = z
  .string()
  .trim()
  .regex(
    /^(\*|https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?\/?)$/,
    "Use an origin like https://app.example.com or https://*.example.com",
  )
  .transform((v) => {
    if (v === "*") return v;
    const wildcard = v.includes("://*.");
    const url = new URL(wildcard ? v.replace("://*.", "://wildcard.") : v);
    return wildcard ? url.origin.replace("://wildcard.", "://*.") : url.origin;
  });

const paramName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/);
const httpUrl = z.url({ protocol: /^https?$/ });
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/);

/** The hosted program page's languages (src/program-page), the widget's. */
export const PAGE_LANGUAGES = ["en", "de"] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/**
 * One question of the hosted page's FAQ, plain text (shown escaped; blank lines separate paragraphs). Sized for the
 * API's 16 KiB body: at their limits, send the questions and the terms in separate PATCHes.
 */
export const faqEntrySchema = z.object({
  q: z.string().trim().min(1).max(200),
  a: z.string().trim().min(1).max(1000),
});
export type FaqEntry = z.infer<typeof faqEntrySchema>;
export const PAGE_FAQ_MAX = 10;
export const PAGE_TERMS_MAX = 5000;

export const attributionSchema = z.object({
  model: z.enum(["first", "last"]).default("first"),
  window_days: z.number().int().min(1).max(730).default(90),
  param_names: z.array(paramName).min(1).max(5).default(["via", "ref"]),
});

export const createProgramSchema = z.object({
  name: z.string().trim().min(1).max(120),
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/)
    .optional(),
  landing_url: httpUrl,
  program_page_url: httpUrl.nullable().optional(),
  allowed_origins: z.array(origin).max(50).default([]),
  test_mode: z.boolean().default(false),
  attribution: attributionSchema.default({ model: "first", window_days: 90, param_names: ["via", "ref"] }),
  block_same_domain: z.boolean().default(true),
  /** An override of the offer members see; "" says what the reward rules pay. */
  offer_text: z.string().max(140).default(""),
  brand_color: hexColor.default("#4f46e5"),
  message_template: z.string().max(2000).default(""),
  /** HMAC identity signatures must carry a signed timestamp (README, "Security"). */
  require_signature_timestamp: z.boolean().default(false),
  fraud_rules: fraudRulesSchema,
});
export type CreateProgramInput = z.input<typeof createProgramSchema>;

/** A PATCH changes only what it names: no defaults here, or an absent field would reset a setting. */
/** `POST /v1/program/identity-secret/rotate`: the old secret keeps verifying for `grace_hours` (0 ends it now). */
export const rotateIdentitySecretSchema = z.object({
  grace_hours: z.number().int().min(0).max(720).default(72),
});

export const updateProgramSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    landing_url: httpUrl,
    program_page_url: httpUrl.nullable(),
    allowed_origins: z.array(origin).max(50),
    test_mode: z.boolean(),
    attribution: z
      .object({
        model: z.enum(["first", "last"]),
        window_days: z.number().int().min(1).max(730),
        param_names: z.array(paramName).min(1).max(5),
      })
      .partial(),
    block_same_domain: z.boolean(),
    /** The offer members see instead of the rules in words; "" or null goes back to the rules. */
    offer_text_override: z.string().max(140).nullable(),
    /** The same override under its older name. */
    offer_text: z.string().max(140),
    brand_color: hexColor,
    message_template: z.string().max(2000),
    require_signature_timestamp: z.boolean(),
    /** Merged into the stored rules: `{ "disposable_email": { "action": "block" } }` changes that one field. */
    fraud_rules: fraudRulesPatchSchema,
    /** The hosted page's questions; null goes back to the default ones, [] shows none. */
    page_faq: z.array(faqEntrySchema).max(PAGE_FAQ_MAX).nullable(),
    /** The hosted page's terms, plain text; null goes back to the default terms. */
    page_terms: z.string().trim().min(1).max(PAGE_TERMS_MAX).nullable(),
    /** An https image for the hosted page's header and link previews; null removes it. */
    logo_url: z
      .url({ protocol: /^https$/ })
      .max(2000)
      .nullable(),
    /** The hosted page's language whatever the visitor's browser prefers; null follows the browser. */
    page_language: z.enum(PAGE_LANGUAGES).nullable(),
    /** The friend's greeting on the marketing site (src/greeting). */
    greeting: greetingSettingsSchema.partial(),
    /** Who sees the callout (src/eligibility); null: every member. */
    eligibility: eligibilityRulesSchema.nullable(),
    /** The moments' nudges (src/moments); null goes back to the defaults. */
    moments: momentSettingsSchema.nullable(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change")
  .refine((v) => v.offer_text === undefined || v.offer_text_override === undefined, {
    message: "Send offer_text_override or offer_text, not both",
    path: ["offer_text"],
  });
export type UpdateProgramInput = z.infer<typeof updateProgramSchema>;

/** The program as its owner sees it through the secret-key API (never the identity secret). */
export const programViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    landing_url: z.string(),
    program_page_url: z.string().nullable(),
    allowed_origins: z.array(z.string()),
    test_mode: z.boolean(),
    attribution: z.object({
      model: z.enum(["first", "last"]),
      window_days: z.number().int(),
      param_names: z.array(z.string()),
    }),
    block_same_domain: z.boolean(),
    offer_text: z.string().meta({ description: "What members see: the override, or the current rules in words." }),
    offer_text_override: z.string().nullable(),
    brand_color: z.string(),
    message_template: z.string(),
    require_signature_timestamp: z.boolean(),
    identity_secret_rotation: z.object({ previous_valid_until: timestamp }).nullable(),
    fraud_rules: fraudRulesSchema,
    page_url: z.string().meta({
      description:
        'The hosted program page (`/p/<slug>`): the offer, how it works, FAQ and terms. The widget\'s "How it works" link goes here unless `program_page_url` is set.',
    }),
    page_faq: z
      .array(faqEntrySchema)
      .nullable()
      .meta({ description: "The hosted page's questions; null shows the default ones (in the page's language)." }),
    page_terms: z
      .string()
      .nullable()
      .meta({ description: "The hosted page's terms; null shows the default terms (in the page's language)." }),
    logo_url: z.string().nullable(),
    page_language: z
      .enum(PAGE_LANGUAGES)
      .nullable()
      .meta({ description: "The hosted page's language; null picks English or German from the visitor's browser." }),
    greeting: greetingSettingsSchema,
    eligibility: eligibilityRulesSchema.nullable(),
    moments: momentSettingsSchema,
    created_at: timestamp,
    warnings: z
      .array(z.object({ code: z.string(), message: z.string() }))
      .meta({ description: "What to fix before launch, e.g. `no_reward_rules`." }),
  })
  .meta({ id: "Program" });

export const programResponseSchema = z.object({ program: programViewSchema });

export const rotatedSecretSchema = z.object({
  identity_secret: z.string().meta({ description: "Shown once: HMAC-signs member ids." }),
  jwt_secret: z.string().meta({ description: "Shown once: signs HS256 member JWTs." }),
  previous_valid_until: timestamp.nullable().meta({ description: "Until when the old secret still verifies." }),
});
