import { z } from "zod";

/** The program's greeting settings (PATCH /v1/program `greeting`); the greeting itself is built in greeting.ts. */
export const GREETING_REVEALS = ["first_name", "name_and_company", "nothing"] as const;
export type GreetingReveal = (typeof GREETING_REVEALS)[number];
export const DEFAULT_GREETING_REVEAL: GreetingReveal = "first_name";

/** The vendor's own words for the friend's offer, per language ("get $100 off your first invoice"). */
export type GreetingOffer = z.infer<typeof greetingOfferSchema>;

const offerText = z.string().trim().min(1).max(140);
export const greetingOfferSchema = z.object({ en: offerText, de: offerText }).partial();

export const greetingSettingsSchema = z.object({
  reveal: z.enum(GREETING_REVEALS).meta({
    description:
      "What the friend's greeting says about the referrer: `first_name` (default), `name_and_company`, or `nothing`.",
  }),
  offer: greetingOfferSchema.nullable().meta({
    description:
      'The friend\'s offer in your words per language ("get $100 off your first invoice"); null says what the friend rules pay.',
  }),
});

export function parseGreetingOffer(json: string | null): GreetingOffer | null {
  if (!json) return null;
  try {
    const parsed = greetingOfferSchema.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch {}
  return null;
}
