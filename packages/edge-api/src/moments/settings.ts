import { z } from "zod";
import type { PageLanguage } from "../programs/schema";

/**
 * Moments of value (`vouch('moment', 'renewed')`, or `POST /v1/members/{id}/moments`) and the one-time nudge each
 * shows in the widget. The program may reword any moment's nudge and change how long before the same moment
 * nudges the same member again (default 30 days). Pure.
 */

export const MOMENT_NAME = /^[a-z][a-z0-9_]{0,39}$/;
export const momentName = z
  .string()
  .trim()
  .regex(MOMENT_NAME, "A moment is lower case: a-z, 0-9 and _ (e.g. renewed, support_resolved)");

export const DEFAULT_COOLDOWN_DAYS = 30;

const message = z.string().trim().min(1).max(200);

export const momentSettingSchema = z.object({
  /** The nudge's words; `{program}` is the program's name. A language left out uses the default. */
  message: z.object({ en: message, de: message }).partial().optional(),
  /** Days before the same moment nudges the same member again. */
  cooldown_days: z.number().int().min(1).max(365).optional(),
  /**
   * A moment from the host's server also emails the member an invitation (kind `moment_invite`): the nudge's
   * words, their link and One Click Access. Off unless set. A moment from the browser never emails: its nudge
   * shows right then.
   */
  email: z.boolean().optional(),
});

export const momentSettingsSchema = z
  .record(z.string().regex(/^(\*|[a-z][a-z0-9_]{0,39})$/, "A moment name (a-z, 0-9, _) or *"), momentSettingSchema)
  .refine((v) => Object.keys(v).length <= 30, "At most 30 moments")
  .meta({
    id: "MomentSettings",
    description:
      "Per moment: the nudge's words (`{program}` is the program's name), `cooldown_days`, and `email` (a moment from the host's server also emails the member an invitation; off unless set). `*` sets these for every moment not named.",
    examples: [
      {
        renewed: {
          message: { en: "Thanks for renewing! Know a team that would like {program}?" },
          cooldown_days: 60,
          email: true,
        },
      },
    ],
  });
export type MomentSettings = z.infer<typeof momentSettingsSchema>;

/** `*` is the catch-all entry (any moment not named). */
export const ANY_MOMENT = "*";

const DEFAULTS: Record<string, Record<PageLanguage, string>> = {
  renewed: {
    en: "Thanks for staying with {program} — know a team that would like it too?",
    de: "Danke, dass Sie {program} treu bleiben – kennen Sie ein Team, dem es auch gefallen würde?",
  },
  support_resolved: {
    en: "Glad that worked out — know a team that would like {program}?",
    de: "Schön, dass es geklappt hat – kennen Sie ein Team, dem {program} gefallen würde?",
  },
  [ANY_MOMENT]: {
    en: "Enjoying {program}? Know a team that would like it too?",
    de: "Gefällt Ihnen {program}? Kennen Sie ein Team, dem es auch gefallen würde?",
  },
};

export function parseMomentSettings(json: string | null): MomentSettings {
  if (!json) return {};
  try {
    const parsed = momentSettingsSchema.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch {}
  console.error("stored moment settings do not parse");
  return {};
}

/** One field of a moment's setting: the moment's own, else the catch-all's (`*`). */
function setting<K extends keyof z.infer<typeof momentSettingSchema>>(
  settings: MomentSettings,
  moment: string,
  key: K,
) {
  return settings[moment]?.[key] ?? settings[ANY_MOMENT]?.[key];
}

export function cooldownDays(settings: MomentSettings, moment: string): number {
  return setting(settings, moment, "cooldown_days") ?? DEFAULT_COOLDOWN_DAYS;
}

/** Whether a moment from the server also emails the member (`email`, the moment's own or `*`'s; off by default). */
export function invitesByEmail(settings: MomentSettings, moment: string): boolean {
  return setting(settings, moment, "email") ?? false;
}

/** The nudge's words in both languages (the widget picks by its locale), `{program}` filled in. */
export function nudgeMessage(settings: MomentSettings, moment: string, program: string): Record<PageLanguage, string> {
  const own = setting(settings, moment, "message") ?? {};
  const fallback = DEFAULTS[moment] ?? (DEFAULTS[ANY_MOMENT] as Record<PageLanguage, string>);
  const fill = (text: string) => text.replaceAll("{program}", program);
  return { en: fill(own.en ?? fallback.en), de: fill(own.de ?? fallback.de) };
}
