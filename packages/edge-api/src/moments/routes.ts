import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import { verifyMemberToken } from "../members/identity";
import { memberParams } from "../members/schema";
import { getMember } from "../members/service";
import {
  browserMomentResponseSchema,
  browserMomentSchema,
  momentStatsSchema,
  nudgeActionResponseSchema,
  nudgeActionSchema,
  serverMomentResponseSchema,
  serverMomentSchema,
} from "./schema";
import { inviteWritten, momentStats, recordNudgeAction, toNudge, triggerMoment } from "./service";

const NUDGE_EXAMPLE = {
  id: "mom_7Hq2Lp9Xz3Vb6TnK",
  moment: "support_resolved",
  message: {
    en: "Glad that worked out — know a team that would like Ledgerly?",
    de: "Schön, dass es geklappt hat – kennen Sie ein Team, dem Ledgerly gefallen würde?",
  },
};

/** The widget's calls (publishable key, member token): `vouch('moment', …)` and what the member did with a nudge. */
export const momentBrowserRoutes = router();

defineRoute(
  momentBrowserRoutes,
  {
    method: "post",
    path: "/moment",
    operationId: "recordBrowserMoment",
    tag: "tracking",
    summary: "A moment of value on the host page (the widget's `vouch('moment', name)`)",
    description:
      "Makes a one-time nudge to refer, at most once per member and moment per cooldown (30 days unless the program's `moments` setting says otherwise). The answer is the nudge to show now, or null.",
    auth: "publishable",
    body: browserMomentSchema,
    bodyExample: { member_token: "mt_mem_8fKq2x.1767603600.Zk3…", moment: "support_resolved" },
    responses: {
      200: {
        description: "The nudge, or null.",
        schema: browserMomentResponseSchema,
        example: { nudge: NUDGE_EXAMPLE },
      },
    },
    errors: ["invalid_member_token"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const memberId = await verifyMemberToken(program, body.member_token);
    const row = await triggerMoment(c.env.DB, program, memberId, body.moment, "browser");
    return c.json({ nudge: row ? toNudge(program, row) : null }, 200);
  },
);

defineRoute(
  momentBrowserRoutes,
  {
    method: "post",
    path: "/nudge",
    operationId: "recordNudgeAction",
    tag: "tracking",
    summary: "The member clicked or dismissed a nudge",
    description: "Counted once each per nudge (GET /v1/analytics/moments).",
    auth: "publishable",
    body: nudgeActionSchema,
    bodyExample: { member_token: "mt_mem_8fKq2x.1767603600.Zk3…", nudge_id: "mom_7Hq2Lp9Xz3Vb6TnK", action: "clicked" },
    responses: {
      202: {
        description: "Received.",
        schema: nudgeActionResponseSchema,
        example: { accepted: true },
      },
    },
    errors: ["invalid_member_token"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const memberId = await verifyMemberToken(program, body.member_token);
    await recordNudgeAction(c.env.DB, memberId, body.nudge_id, body.action);
    return c.json({ accepted: true as const }, 202);
  },
);

/** Your server's call: `POST /v1/members/{id}/moments` (secret key). */
export const momentServerRoutes = router();

defineRoute(
  momentServerRoutes,
  {
    method: "post",
    path: "/{id}/moments",
    operationId: "createMemberMoment",
    tag: "members",
    summary: "A moment of value for a member, from your server (e.g. a renewal)",
    description:
      "Leaves a one-time nudge for the member's widget, shown the next time it loads, at most once per member and moment per cooldown. A suspended or ineligible member gets none. When the moment's setting says `email` (program settings, `moments`), the member is also emailed an invitation with their link, once per nudge.",
    auth: "secret",
    params: memberParams,
    body: serverMomentSchema,
    bodyExample: { moment: "renewed" },
    responses: {
      201: {
        description: "A nudge was made (or, `nudged: false`, the cooldown or eligibility held it back).",
        schema: serverMomentResponseSchema,
        example: { moment: { id: "mom_7Hq2Lp9Xz3Vb6TnK", moment: "renewed", nudged: true, emailed: true } },
      },
    },
    errors: ["member_not_found"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const member = await getMember(c.env.DB, program.id, params.id);
    const row = await triggerMoment(c.env.DB, program, member.id, body.moment, "server");
    const emailed = row?.invite_email ? await inviteWritten(c.env.DB, row.id) : false;
    return c.json({ moment: { id: row?.id ?? null, moment: body.moment, nudged: row !== null, emailed } }, 201);
  },
);

export const momentAnalyticsRoutes = router();

defineRoute(
  momentAnalyticsRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getMomentStats",
    tag: "analytics",
    summary: "Nudges per moment: made, shown, clicked, dismissed",
    auth: "secret",
    responses: {
      200: {
        description: "One entry per moment, most nudged first.",
        schema: momentStatsSchema,
        example: { moments: [{ moment: "renewed", triggered: 120, shown: 96, clicked: 14, dismissed: 51 }] },
      },
    },
    errors: [],
  },
  async (c) => c.json(await momentStats(c.env.DB, c.get("program").id)),
);
