import { z } from "zod";
import { attributesSchema } from "../eligibility/schema";
import { CUSTOM_CODE_PATTERN } from "../lib/ids";
import { pageQuery } from "../lib/pagination";
import { email, idParams, timestamp } from "../lib/validate";
import { nudgeSchema } from "../moments/schema";
import { memberRewardsViewSchema } from "../rewards/schema";

export const memberIdentitySchema = z.object({
  id: z.string().trim().min(1).max(200),
  email: email.optional(),
  name: z.string().trim().max(200).optional(),
  company: z.string().trim().max(200).optional(),
  /**
   * For the program's eligibility rules. From a browser they must be signed: with `signature`, the attributes
   * form (README, Eligibility), or as the JWT's `attributes` claim.
   */
  attributes: attributesSchema.optional(),
});

/** `POST /v1/members/me`: a JWT alone, or the member plus the host's HMAC signature of its id. */
export const enrolSchema = z
  .object({
    member: memberIdentitySchema.optional(),
    signature: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "Expected a hex HMAC-SHA256")
      .optional(),
    token: z.string().max(4096).optional(),
    /** Unix seconds, signed with the id (signIdentityAt): the signature then expires after 24 hours. */
    timestamp: z.number().int().min(0).max(99_999_999_999).optional(),
  })
  .refine((v) => v.member || v.token, { message: "Send `member` (with `signature`) or `token`", path: ["member"] });
export type EnrolInput = z.infer<typeof enrolSchema>;

export const customCode = z
  .string()
  .trim()
  .regex(CUSTOM_CODE_PATTERN, "3–32 letters, digits, - or _, starting with a letter or digit");

export const serverEnrolSchema = memberIdentitySchema.extend({ code: customCode.optional() });

export const updateMemberSchema = z
  .object({
    code: customCode.optional(),
    email: email.nullable().optional(),
    name: z.string().trim().max(200).nullable().optional(),
    company: z.string().trim().max(200).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change");

export const suspendSchema = z.object({ reason: z.string().trim().min(1).max(500) });
export const unsuspendSchema = z.object({ reason: z.string().trim().max(500).optional() });

export const listMembersQuery = pageQuery.extend({
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "Search name, email, code, your id and company." }),
});

/** The member as the widget sees them. Types are shared with the browser packages with `import type` only. */
export const memberViewSchema = z
  .object({
    id: z.string(),
    external_id: z.string().meta({ description: "Your id for the member (the one you sign)." }),
    email: z.string().nullable(),
    /** False when the address came from the browser alongside an id-only signature: check it before paying. */
    email_verified: z.boolean(),
    name: z.string().nullable(),
    company: z.string().nullable(),
    code: z.string(),
    link: z.string().meta({ description: "The landing page with the member's code." }),
    short_link: z.string().meta({ description: "`/r/{slug}/{code}` on the API's origin." }),
    /** A suspended member's link records nothing new and earns nothing; the widget says so. */
    status: z.enum(["active", "suspended"]),
    created_at: timestamp,
  })
  .meta({ id: "Member" });
export type MemberView = z.infer<typeof memberViewSchema>;

/** The member as the vendor sees them through the secret-key API: suspension details too. */
export const serverMemberSchema = memberViewSchema
  .extend({
    suspended_at: timestamp.nullable(),
    suspended_reason: z.string().nullable(),
    attributes: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .nullable()
      .meta({ description: "The attributes your server last signed for the member (eligibility rules)." }),
    eligible: z.boolean().nullable().meta({
      description:
        "The eligibility rules' verdict when the member last opened the widget or was enrolled; null: never checked.",
    }),
  })
  .meta({ id: "ServerMember" });

export const memberStatsSchema = z
  .object({
    visits: z.number().int(),
    shares: z.number().int(),
    leads: z.number().int(),
    qualified: z.number().int(),
    converted: z.number().int(),
  })
  .meta({ id: "MemberStats" });
export type MemberStats = z.infer<typeof memberStatsSchema>;

export const referralSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  company: z.string().nullable(),
  status: z.string(),
  created_at: timestamp,
});
export type ReferralSummary = z.infer<typeof referralSummarySchema>;

export const meResponseSchema = z.object({
  member: memberViewSchema,
  member_token: z.string().meta({
    description: "For the widget's later calls (shares, leads), valid 12 hours; empty for a suspended member.",
  }),
  message: z.string().meta({ description: "The program's message template, filled in for this member." }),
  nudge: nudgeSchema.nullable().meta({
    description: "A nudge your server's moment left for this member (`POST /v1/members/{id}/moments`): show it once.",
  }),
  eligible: z.boolean().meta({
    description:
      "Whether the program's eligibility rules let this member see the callout (true when the program has none). The widget shows no callout otherwise; `vouch('open')` still opens the panel.",
  }),
  program: z.object({
    name: z.string(),
    offer_text: z.string(),
    brand_color: z.string(),
    program_page_url: z.string().nullable().meta({
      description: "The widget's \"How it works\" link: the program's own page, else the hosted one (`/p/<slug>`).",
    }),
    test_mode: z.boolean(),
    /** What the program's owner should fix (e.g. `no_reward_rules`); test mode only, otherwise empty. */
    warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  }),
  stats: memberStatsSchema,
  referrals: z.array(referralSummarySchema),
  /** The rewards engine's view: totals by state, free months, discount, next milestone, raffle, recent. */
  rewards: memberRewardsViewSchema.optional(),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

export const memberResponseSchema = z.object({ member: serverMemberSchema });
export const memberDetailSchema = z.object({
  member: serverMemberSchema,
  stats: memberStatsSchema,
  rewards: memberRewardsViewSchema,
});

/** `/v1/members/{id}…`: the member's id. */
export const memberParams = idParams("member", "mem_8fKq2xLp9Xz3Vb6T");

/** `POST /v1/members/{id}/access-link`: how long the One Click Access link works. */
export const accessLinkSchema = z.object({
  expires_in_hours: z
    .number()
    .int()
    .min(1)
    .max(720)
    .default(72)
    .meta({ description: "Hours until the link stops working: 1 to 720 (30 days), default 72." }),
});

export const accessLinkResponseSchema = z.object({
  url: z.string().meta({
    description:
      "`<api origin>/o/<token>`: opens the member's portal (`/p/<slug>/me`) without a login until it expires.",
  }),
  expires_at: timestamp,
});
