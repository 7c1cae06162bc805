import { z } from "zod";
import { pageQuery } from "../lib/pagination";
import { idParams, timestamp } from "../lib/validate";
import { rulesetSchema } from "../rewards/schema";

export const EXPERIMENT_STATUSES = ["running", "ended"] as const;

const variantInput = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,29}$/, "Lower-case letters, digits, - or _ (up to 30)")
    .meta({ description: "The variant's short name in results, e.g. `a`, `b`, `team-savings`." }),
  name: z.string().trim().min(1).max(100).optional(),
  weight: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1)
    .meta({ description: "Its share of members: weights 1 and 1 split half and half, 3 and 1 three to one." }),
  message: z.string().trim().min(1).max(2000).optional().meta({
    description:
      "The share message members in this variant get, with `{name}`, `{program}`, `{offer}`, `{link}`, `{code}` as in the program's template. Without it: the program's message.",
  }),
  rules: rulesetSchema.optional().meta({
    description:
      "The offer: a reward rule set (as `PUT /v1/reward-rules`) that pays these members' referrals while the experiment runs, and whose words fill `{offer}`. Without it: the program's current rules.",
  }),
});

export const createExperimentSchema = z.object({
  name: z.string().trim().min(1).max(100),
  variants: z
    .array(variantInput)
    .min(2, "An experiment needs at least two variants")
    .max(10)
    .refine((vs) => new Set(vs.map((v) => v.key)).size === vs.length, "Variant keys must be unique"),
});
export type CreateExperimentInput = z.output<typeof createExperimentSchema>;

export const experimentParams = idParams("experiment", "exp_4Tn8Lq2Xp6Zn3Vb9");
export const listExperimentsQuery = pageQuery;

export const variantViewSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string().nullable(),
    weight: z.number().int(),
    message: z.string().nullable().meta({ description: "The message template; null: the program's." }),
    rules: rulesetSchema.nullable().meta({ description: "The variant's reward rules; null: the program's." }),
  })
  .meta({ id: "ExperimentVariant" });

export const experimentViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(EXPERIMENT_STATUSES),
    started_at: timestamp,
    ended_at: timestamp.nullable(),
    created_at: timestamp,
    variants: z.array(variantViewSchema),
  })
  .meta({ id: "Experiment" });
export type ExperimentView = z.infer<typeof experimentViewSchema>;

export const experimentResponseSchema = z.object({ experiment: experimentViewSchema });

const variantResultSchema = z.object({
  variant_id: z.string(),
  key: z.string(),
  name: z.string().nullable(),
  weight: z.number().int(),
  exposed: z.number().int().meta({ description: "Members shown this variant (assigned) while it ran." }),
  shares: z.number().int(),
  visits: z.number().int(),
  leads: z.number().int(),
  conversions: z.number().int().meta({ description: "Referrals converted (refunded sales do not count)." }),
  converting_members: z.number().int().meta({ description: "Members with at least one converted referral." }),
  conversion_rate: z
    .number()
    .nullable()
    .meta({ description: "converting_members ÷ exposed (0–1); null when nobody was exposed." }),
  reward_cost: z
    .array(z.object({ currency: z.string(), amount: z.number().int() }))
    .meta({ description: "Money rewards (both sides, net of clawbacks, voided left out) in minor units." }),
});

export const experimentResultsSchema = z
  .object({
    experiment: experimentViewSchema,
    window: z.object({ from: timestamp, to: timestamp }),
    variants: z.array(variantResultSchema),
    comparison: z
      .object({
        leader: z.string().meta({ description: "Key of the variant with the highest conversion rate." }),
        runner_up: z.string(),
        absolute_difference: z.number().meta({ description: "Leader's rate minus the runner-up's (0–1)." }),
        relative_difference: z
          .number()
          .nullable()
          .meta({ description: "That difference ÷ the runner-up's rate; null when the runner-up's is 0." }),
        test: z.literal("two-proportion z-test (pooled), two-sided"),
        z: z.number(),
        p_value: z.number(),
        significant: z.boolean().meta({ description: "p_value < 0.05." }),
      })
      .nullable()
      .meta({ description: "Null until two variants have exposed members with some variation to test." }),
    readout: z.string().meta({ description: "The comparison in plain words." }),
  })
  .meta({ id: "ExperimentResults" });
export type ExperimentResults = z.infer<typeof experimentResultsSchema>;
