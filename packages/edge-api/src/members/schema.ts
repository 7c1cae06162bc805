import { z } from "zod";
import { CUSTOM_CODE_PATTERN } from "../lib/ids";
import { pageQuery } from "../lib/pagination";
import { email } from "../lib/validate";
import type { MemberRewardsView } from "../rewards/schema";

export const memberIdentitySchema = z.object({
  id: z.string().trim().min(1).max(200),
  email: email.optional(),
  name: z.string().trim().max(200).optional(),
  company: z.string().trim().max(200).optional(),
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

export const listMembersQuery = pageQuery;

/** What the widget receives. Types are shared with the browser packages with `import type` only. */
export interface MemberView {
  id: string;
  external_id: string;
  email: string | null;
  /** False when the address came from the browser alongside an id-only signature: check it before paying. */
  email_verified: boolean;
  name: string | null;
  company: string | null;
  code: string;
  link: string;
  short_link: string;
  /** A suspended member's link records nothing new and earns nothing; the widget says so. */
  status: "active" | "suspended";
  created_at: string;
}

export interface MemberStats {
  visits: number;
  shares: number;
  leads: number;
  qualified: number;
  converted: number;
}

export interface ReferralSummary {
  id: string;
  name: string | null;
  company: string | null;
  status: string;
  created_at: string;
}

export interface MeResponse {
  member: MemberView;
  member_token: string;
  message: string;
  program: {
    name: string;
    offer_text: string;
    brand_color: string;
    program_page_url: string | null;
    test_mode: boolean;
    /** What the program's owner should fix (e.g. `no_reward_rules`); test mode only, otherwise empty. */
    warnings: { code: string; message: string }[];
  };
  stats: MemberStats;
  referrals: ReferralSummary[];
  /** The rewards engine's view: totals by state, free months, discount, next milestone, raffle, recent. */
  rewards?: MemberRewardsView;
}
