import { z } from "zod";
import { router } from "../lib/app";
import { defineRoute, jsonResponse } from "../lib/openapi";
import { rulesBodyExample, rulesExample } from "../openapi/examples";
import { previewRules } from "./preview";
import { currentRulesRow, rulesetView, ruleVersion, ruleVersions, saveRuleset } from "./rules";
import {
  putRulesetSchema,
  RULESET_BODY_LIMIT_BYTES,
  rulesetSchema,
  rulesetViewSchema,
  rulesResponseSchema,
  ruleVersionParams,
} from "./schema";

/** `GET/PUT /v1/reward-rules`: the program's rules; every change is a new version. */
export const rewardRuleRoutes = router();

const rulesResponse = jsonResponse("The rules and their version.", rulesResponseSchema, { rules: rulesExample });

defineRoute(
  rewardRuleRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getRewardRules",
    tag: "rewards",
    summary: "The program's current reward rules (version 0 when none are set)",
    auth: "secret",
    responses: { 200: rulesResponse },
    errors: [],
  },
  async (c) => {
    const program = c.get("program");
    return c.json({ rules: rulesetView(program.id, await currentRulesRow(c.env.DB, program.id)) });
  },
);

defineRoute(
  rewardRuleRoutes,
  {
    method: "put",
    path: "/",
    operationId: "saveRewardRules",
    tag: "rewards",
    summary: "Save the reward rules as a new version; rewards already earned keep theirs",
    description:
      "The whole rule set, as the example: each rule pays `recipient` (member or friend) a `kind` and `amount` when a referral reaches `trigger`, held `hold_days`. Unchanged rules keep their version (200). Send `expected_version` (the version you read) so two people editing at once cannot overwrite each other. Up to 64 KiB.",
    auth: "secret",
    body: putRulesetSchema,
    bodyLimit: RULESET_BODY_LIMIT_BYTES,
    bodyExample: { ...rulesBodyExample, expected_version: 0 },
    responses: {
      200: {
        ...rulesResponse,
        description: "Unchanged: the same rules were already current.",
        schema: rulesResponseSchema.extend({ created: z.literal(false) }),
        example: { rules: rulesExample, created: false },
      },
      201: {
        ...rulesResponse,
        description: "Saved as a new version.",
        schema: rulesResponseSchema.extend({ created: z.literal(true) }),
        example: { rules: rulesExample, created: true },
      },
    },
    errors: ["rules_version_conflict"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const { expected_version, ...config } = body;
    const { row, created } = await saveRuleset(c.env.DB, program.id, config, expected_version);
    return c.json({ rules: rulesetView(program.id, row), created }, created ? 201 : 200);
  },
);

defineRoute(
  rewardRuleRoutes,
  {
    method: "get",
    path: "/versions",
    operationId: "listRewardRuleVersions",
    tag: "rewards",
    summary: "Every saved version, newest first (the last 100)",
    auth: "secret",
    responses: {
      200: {
        description: "The saved versions.",
        schema: z.object({ data: z.array(rulesetViewSchema) }),
        example: { data: [rulesExample] },
      },
    },
    errors: [],
  },
  async (c) => {
    const program = c.get("program");
    const rows = await ruleVersions(c.env.DB, program.id);
    return c.json({ data: rows.map((r) => rulesetView(program.id, r)) });
  },
);

defineRoute(
  rewardRuleRoutes,
  {
    method: "get",
    path: "/versions/{version}",
    operationId: "getRewardRuleVersion",
    tag: "rewards",
    summary: "One saved version",
    auth: "secret",
    params: ruleVersionParams,
    responses: { 200: { ...rulesResponse, description: "That version." } },
    errors: ["not_found"],
  },
  async (c, { params }) => {
    const program = c.get("program");
    return c.json({ rules: rulesetView(program.id, await ruleVersion(c.env.DB, program.id, params.version)) });
  },
);

/** The most rule evaluations one preview may cost (each payment against each rule): a few milliseconds of CPU. */
const PREVIEW_BUDGET = 5_000;

const previewBody = z
  .object({
    rules: rulesetSchema,
    scenario: z.object({
      friends: z.number().int().min(1).max(50).meta({ description: "Friends the member refers; each converts." }),
      plan: z.string().trim().max(100).optional(),
      value_cents: z.number().int().min(0).max(100_000_000).meta({ description: "Each payment, in minor units." }),
      currency: z.string().regex(/^[A-Z]{3}$/),
      renewals: z.number().int().min(0).max(36).default(0).meta({ description: "Renewals per friend, a month apart." }),
      refunds: z.number().int().min(0).max(50).default(0).meta({ description: "The last N friends are refunded." }),
    }),
  })
  .refine((b) => b.scenario.friends * (b.scenario.renewals + 1) * Math.max(1, b.rules.rules.length) <= PREVIEW_BUDGET, {
    message: `friends × (renewals + 1) × rules is at most ${PREVIEW_BUDGET}: try a smaller scenario`,
    path: ["scenario"],
  });

const previewPerson = z.object({
  who: z.string().meta({ description: "`member`, or `friend-1`, `friend-2`…" }),
  totals: z.record(z.string(), z.number().int()).meta({ description: "Money earned, by currency (voided left out)." }),
  rewards: z.array(
    z.object({
      who: z.string(),
      rule_id: z.string(),
      kind: z.string(),
      amount: z.number().int(),
      currency: z.string().nullable(),
      description: z.string().nullable(),
      state: z.string(),
      void_reason: z.string().nullable(),
    }),
  ),
});

defineRoute(
  rewardRuleRoutes,
  {
    method: "post",
    path: "/preview",
    operationId: "previewRewardRules",
    tag: "rewards",
    summary: "Try rules on a scenario before saving them",
    description:
      "Validates the rules (a `validation_failed` answer lists each problem with its path) and runs them through the rewards engine on a scenario: a member refers `friends` friends who convert on `plan`, each renewing `renewals` times. Answers what each person earns a year on, and the offer in words. Saves nothing.",
    auth: "secret",
    body: previewBody,
    bodyLimit: RULESET_BODY_LIMIT_BYTES,
    bodyExample: {
      rules: rulesBodyExample,
      scenario: { friends: 3, plan: "growth", value_cents: 4_900, currency: "USD", renewals: 2, refunds: 0 },
    },
    responses: {
      200: {
        description: "What each person earns.",
        schema: z.object({
          offer_text: z.string(),
          people: z.array(previewPerson),
          discount_percent: z.number(),
          raffle_entries: z.number().int(),
        }),
        example: {
          offer_text: "Give $100, get $100.",
          people: [
            {
              who: "member",
              totals: { USD: 10_000 },
              rewards: [
                {
                  who: "member",
                  rule_id: "member-reward",
                  kind: "account_credit",
                  amount: 10_000,
                  currency: "USD",
                  description: null,
                  state: "approved",
                  void_reason: null,
                },
              ],
            },
          ],
          discount_percent: 0,
          raffle_entries: 0,
        },
      },
    },
    errors: [],
  },
  async (c, { body }) => c.json(previewRules(body.rules, body.scenario)),
);
