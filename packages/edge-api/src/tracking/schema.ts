import { z } from "zod";
import { email, timestamp } from "../lib/validate";
import { CLICK_ID_PATTERN } from "./click-id";

const optionalText = (max: number) => z.string().trim().max(max).optional();
const clickId = z.string().regex(CLICK_ID_PATTERN, "Not a Vouch click id");
const code = z.string().trim().min(1).max(64);

export const visitSchema = z.object({
  code,
  landing_url: optionalText(2000),
  referrer: optionalText(2000),
  sub_source: optionalText(100),
  campaign: optionalText(100),
  utm_source: optionalText(200),
  utm_medium: optionalText(200),
  utm_campaign: optionalText(200),
});
export type VisitInput = z.input<typeof visitSchema>;

export const visitResponseSchema = z
  .object({
    click_id: z.string().meta({ description: "Send it with the lead (`click_id`) or to /v1/conversions." }),
    code: z.string().meta({ description: "The code as the API keeps it (upper case)." }),
    attribution: z.object({ model: z.enum(["first", "last"]), window_days: z.number().int() }),
    expires_at: timestamp.meta({ description: "When the attribution window of this visit ends." }),
    greeting: z
      .object({
        text: z.string().meta({ description: "The whole line, plain text (set it as text, never as HTML)." }),
        lang: z.enum(["en", "de"]),
        referrer: z.object({ first_name: z.string().nullable(), company: z.string().nullable() }),
        offer: z.string().nullable().meta({ description: "The friend's offer alone, if the program has one." }),
      })
      .meta({ id: "Greeting", description: "The friend's greeting (README, The friend's greeting)." }),
  })
  .meta({ id: "Visit" });
export type VisitResponse = z.infer<typeof visitResponseSchema>;

export const SHARE_CHANNELS = ["email", "linkedin", "x", "whatsapp", "facebook", "copy", "other"] as const;
export type ShareChannel = (typeof SHARE_CHANNELS)[number];

export const shareSchema = z.object({
  member_token: z.string().max(300).meta({ description: "From `POST /v1/members/me`." }),
  channel: z.enum(SHARE_CHANNELS),
});
export const shareResponseSchema = z.object({ share: z.object({ id: z.string(), channel: z.enum(SHARE_CHANNELS) }) });

/** The company-size buckets a lead may carry: the widget's peer form offers exactly these. */
export const COMPANY_SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001+"] as const;
export type CompanySize = (typeof COMPANY_SIZES)[number];

export const leadSchema = z.object({
  email,
  name: optionalText(200),
  company: optionalText(200),
  role: optionalText(200),
  /**
   * One of the sizes the widget's peer form offers. A marketing site's own wording ("50-100 people") is left
   * out rather than refused: the lead still counts, only its size is unknown.
   */
  size: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((v): CompanySize | undefined =>
      (COMPANY_SIZES as readonly string[]).includes(v ?? "") ? (v as CompanySize) : undefined,
    )
    .meta({ description: `One of ${COMPANY_SIZES.join(", ")}; any other value is left out.`, examples: ["51-200"] }),
  /** Attribution, strongest first: the member's own token (refer-a-peer), a click id, or a typed code. */
  member_token: z.string().max(300).optional(),
  click_id: clickId.optional(),
  code: code.optional(),
});
export type LeadInput = z.input<typeof leadSchema>;

/** The browser lead route's only answer: the same for a new lead, a repeat, and one a fraud rule blocked. */
export const leadResponseSchema = z.object({ accepted: z.literal(true) });
export type LeadResponse = z.infer<typeof leadResponseSchema>;
