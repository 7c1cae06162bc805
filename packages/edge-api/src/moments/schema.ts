import { z } from "zod";
import { momentName } from "./settings";

const moment = momentName.meta({
  description: "`renewed`, `support_resolved`, or your own name (a-z, 0-9, _).",
  example: "renewed",
});

export const nudgeSchema = z
  .object({
    id: z.string(),
    moment: z.string(),
    message: z.object({ en: z.string(), de: z.string() }).meta({ description: "The widget shows its locale's." }),
  })
  .meta({ id: "Nudge" });
export type Nudge = z.infer<typeof nudgeSchema>;

/** `POST /v1/track/moment` (the widget's `vouch('moment', name)`). */
export const browserMomentSchema = z.object({
  member_token: z.string().max(300).meta({ description: "From `POST /v1/members/me`." }),
  moment,
});
export const browserMomentResponseSchema = z.object({
  nudge: nudgeSchema.nullable().meta({
    description:
      "Show it now; null when this member already had this moment's nudge within its cooldown, or is not eligible.",
  }),
});

/** `POST /v1/members/{id}/moments` (your server, e.g. on a renewal). */
export const serverMomentSchema = z.object({ moment });
export const serverMomentResponseSchema = z.object({
  moment: z.object({
    id: z.string().nullable().meta({ description: "The nudge waiting for the widget; null when none was made." }),
    moment: z.string(),
    nudged: z.boolean().meta({
      description: "False when this member already had this moment's nudge within its cooldown.",
    }),
    emailed: z.boolean().meta({
      description:
        "An invitation email was written for the member: the moment's setting says `email`, the program sends `moment_invite`, and the member has an address (the outbox sends it, honouring their unsubscribe).",
    }),
  }),
});

/** `POST /v1/track/nudge`: what the member did with it. */
export const nudgeActionSchema = z.object({
  member_token: z.string().max(300),
  nudge_id: z.string().max(40),
  action: z.enum(["clicked", "dismissed"]),
});

export const nudgeActionResponseSchema = z.object({ accepted: z.literal(true) });

export const momentStatsSchema = z
  .object({
    moments: z.array(
      z.object({
        moment: z.string(),
        triggered: z.number().int().meta({ description: "Nudges made (one per member per cooldown)." }),
        shown: z.number().int(),
        clicked: z.number().int().meta({ description: "Opened the share panel from the nudge." }),
        dismissed: z.number().int(),
      }),
    ),
  })
  .meta({ id: "MomentStats" });
