import { z } from "zod";
import { OWNER_ONLY_SETTINGS } from "../admin/middleware";
import { forgetProgram } from "../auth/keys";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { defineRoute, jsonResponse } from "../lib/openapi";
import { programExample } from "../openapi/examples";
import { currentRuleset } from "../rewards/rules";
import { programResponseSchema, rotatedSecretSchema, rotateIdentitySecretSchema, updateProgramSchema } from "./schema";
import { getProgram, programActivity, publicProgram, rotateIdentitySecret, updateProgram } from "./service";

export const programRoutes = router();

const programResponse = jsonResponse("The program (never its identity secret).", programResponseSchema, {
  program: programExample,
});

defineRoute(
  programRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getProgram",
    tag: "programs",
    summary: "The program this key belongs to",
    auth: "secret",
    responses: { 200: programResponse },
    errors: [],
  },
  async (c) => {
    const program = c.get("program");
    const ruleset = await currentRuleset(c.env.DB, program.id);
    return c.json({ program: publicProgram(program, ruleset, new URL(c.req.url).origin) });
  },
);

defineRoute(
  programRoutes,
  {
    method: "patch",
    path: "/",
    operationId: "updateProgram",
    tag: "programs",
    summary: "Change program settings",
    description:
      'Only the settings sent change. `fraud_rules` is merged into the stored rules (`{ "disposable_email": { "action": "block" } }` changes that one field). The landing page must stay on an allowed origin. `page_faq`, `page_terms`, `logo_url` and `page_language` edit the hosted program page (`page_url`); null goes back to its defaults.',
    auth: "secret",
    body: updateProgramSchema,
    bodyExample: {
      allowed_origins: ["https://www.acme.com", "https://app.acme.com"],
      attribution: { window_days: 60 },
      fraud_rules: { disposable_email: { action: "block" } },
    },
    responses: { 200: programResponse },
    errors: ["not_found", "forbidden_role"],
  },
  async (c, { body }) => {
    const ownerOnly = OWNER_ONLY_SETTINGS.filter((field) => body[field] !== undefined);
    if (ownerOnly.length > 0 && c.get("role") !== "owner") {
      throw new ApiError("forbidden_role", `Only an owner changes ${ownerOnly.join(", ")}.`, {
        role: c.get("role") ?? null,
        required: "owner",
        fields: ownerOnly,
      });
    }
    const id = await updateProgram(c.env.DB, c.get("program"), body);
    forgetProgram(id);
    const [program, ruleset] = await Promise.all([getProgram(c.env.DB, id), currentRuleset(c.env.DB, id)]);
    return c.json({ program: publicProgram(program, ruleset, new URL(c.req.url).origin) });
  },
);

/**
 * Rotates the identity secret: the new one is shown once; the old one keeps verifying signatures and JWTs
 * for `grace_hours` (default 72; 0 ends it now) while the host deploys the new one. Audited.
 */
defineRoute(
  programRoutes,
  {
    method: "post",
    path: "/identity-secret/rotate",
    operationId: "rotateIdentitySecret",
    tag: "programs",
    summary: "Rotate the identity secret",
    description:
      "The new secret is shown once. The old one keeps verifying signatures and JWTs for `grace_hours` (default 72; 0 ends it now) while you deploy the new one. Audited.",
    auth: "secret",
    body: rotateIdentitySecretSchema,
    bodyExample: { grace_hours: 72 },
    responses: {
      201: {
        description: "The new secrets, shown once.",
        schema: rotatedSecretSchema,
        example: {
          identity_secret: "vch_is_Zk3qLp9Xn2Vb5Tw8Qm4Rj7Hd",
          jwt_secret: "vch_js_5f2c8e1a9b7d3f6e0c4a8b2d7f1e9c3a5b8d0f2e4c6a8b1d",
          previous_valid_until: "2026-01-08T09:00:00.000Z",
        },
      },
    },
    errors: [],
  },
  async (c, { body }) => {
    const rotated = await rotateIdentitySecret(c.env.DB, c.get("program"), body.grace_hours, c.get("keyId"));
    forgetProgram(c.get("program").id);
    return c.json(rotated, 201);
  },
);

const activitySchema = z.object({
  last_visit_at: z.iso.datetime().nullable().meta({ description: "The tracker (or a short link) recorded a visit." }),
  last_member_at: z.iso.datetime().nullable().meta({ description: "The widget (or your server) enrolled a member." }),
  last_share_at: z.iso.datetime().nullable(),
  last_referral_at: z.iso
    .datetime()
    .nullable()
    .meta({ description: "A referral arrived: a lead from a form or the widget, or a conversion." }),
  last_event_at: z.iso
    .datetime()
    .nullable()
    .meta({ description: "A status change: a conversion from your server or billing." }),
});

defineRoute(
  programRoutes,
  {
    method: "get",
    path: "/activity",
    operationId: "getProgramActivity",
    tag: "programs",
    summary: "When each part of the install last reported something",
    description:
      "The dashboard's install check: the widget enrols members, the tracker records visits and leads, your server (or Stripe) moves referrals on. A part that never reported is `null`.",
    auth: "secret",
    responses: {
      200: {
        description: "The latest time of each.",
        schema: activitySchema,
        example: {
          last_visit_at: "2026-12-01T09:30:00.000Z",
          last_member_at: "2026-12-01T09:10:00.000Z",
          last_share_at: "2026-12-01T09:12:00.000Z",
          last_referral_at: "2026-11-30T16:00:00.000Z",
          last_event_at: null,
        },
      },
    },
    errors: [],
  },
  async (c) => c.json(await programActivity(c.env.DB, c.get("program").id)),
);
