import { z } from "zod";
import { router } from "../lib/app";
import { auditStatement } from "../lib/audit";
import { defineRoute } from "../lib/openapi";
import { EMAIL_KINDS, type EmailKind } from "./render";
import { writeProgramSummaries } from "./summary";

/**
 * The API of member emails: which kinds a program sends (`/v1/program/email-settings`, admins change it,
 * viewers read it) and this month's summary sent now (`POST /v1/emails/monthly-summary`, admins).
 */
export const emailSettingsRoutes = router();
export const emailApiRoutes = router();

const settingsSchema = z
  .object(Object.fromEntries(EMAIL_KINDS.map((k) => [k, z.boolean()])) as Record<EmailKind, z.ZodBoolean>)
  .meta({ description: "Each kind of member email, on or off. Every kind is on until turned off." });

const settingsResponse = z.object({ email_settings: settingsSchema });

const updateSchema = settingsSchema.partial().strict();

const example = {
  welcome: true,
  friend_signed_up: true,
  friend_converted: true,
  reward_approved: true,
  reward_paid: true,
  monthly_summary: false,
  moment_invite: true,
};

async function readSettings(db: D1Database, programId: string): Promise<Record<EmailKind, boolean>> {
  const row = await db
    .prepare(`SELECT ${EMAIL_KINDS.join(", ")} FROM email_settings WHERE program_id = ?`)
    .bind(programId)
    .first<Record<EmailKind, number>>();
  return Object.fromEntries(EMAIL_KINDS.map((k) => [k, row ? row[k] !== 0 : true])) as Record<EmailKind, boolean>;
}

defineRoute(
  emailSettingsRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getEmailSettings",
    tag: "programs",
    summary: "Which member emails the program sends",
    auth: "secret",
    responses: {
      200: { description: "Each kind, on or off.", schema: settingsResponse, example: { email_settings: example } },
    },
    errors: [],
  },
  async (c) => c.json({ email_settings: await readSettings(c.env.DB, c.get("program").id) }),
);

defineRoute(
  emailSettingsRoutes,
  {
    method: "patch",
    path: "/",
    operationId: "updateEmailSettings",
    tag: "programs",
    summary: "Turn kinds of member email on or off",
    description:
      "Only the kinds sent change. A kind turned off is not written for anything that happens from then on; emails already written are still sent. Members choose for themselves in the portal too. Audited.",
    auth: "secret",
    body: updateSchema,
    bodyExample: { monthly_summary: false },
    responses: {
      200: { description: "The settings now.", schema: settingsResponse, example: { email_settings: example } },
    },
    errors: [],
  },
  async (c, { body }) => {
    const programId = c.get("program").id;
    const next = { ...(await readSettings(c.env.DB, programId)), ...body };
    const now = Date.now();
    const cols = EMAIL_KINDS.join(", ");
    await c.env.DB.batch([
      c.env.DB.prepare(
        `INSERT INTO email_settings (program_id, ${cols}, updated_at) VALUES (?, ${EMAIL_KINDS.map(() => "?").join(", ")}, ?)
         ON CONFLICT (program_id) DO UPDATE SET ${EMAIL_KINDS.map((k) => `${k} = excluded.${k}`).join(", ")}, updated_at = excluded.updated_at`,
      ).bind(programId, ...EMAIL_KINDS.map((k) => (next[k] ? 1 : 0)), now),
      auditStatement(c.env.DB, { programId, action: "email_settings.updated", actor: c.get("keyId"), data: body }, now),
    ]);
    return c.json({ email_settings: next });
  },
);

defineRoute(
  emailApiRoutes,
  {
    method: "post",
    path: "/monthly-summary",
    operationId: "sendMonthlySummary",
    tag: "programs",
    summary: "Send this month's summary now",
    description:
      "Writes this month's (UTC) summary for every member who gets one (an address, not suspended or unsubscribed, at least one referral or reward) and has none yet; the cron does the same on the 1st. Idempotent per month: calling again writes only for members who had none. `more` is true when it stopped after 10,000: call again.",
    auth: "secret",
    responses: {
      200: {
        description: "How many summaries were written.",
        schema: z.object({
          month: z.string().meta({ description: "YYYY-MM (UTC)." }),
          written: z.number().int(),
          more: z.boolean(),
        }),
        example: { month: "2026-12", written: 42, more: false },
      },
    },
    errors: [],
  },
  async (c) => {
    const program = c.get("program");
    const result = await writeProgramSummaries(c.env.DB, program.id, Date.now());
    if (result.written > 0) {
      await auditStatement(c.env.DB, {
        programId: program.id,
        action: "email.monthly_summary",
        actor: c.get("keyId"),
        data: result,
      }).run();
    }
    return c.json(result);
  },
);
