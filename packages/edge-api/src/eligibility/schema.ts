import { z } from "zod";

/**
 * What the host tells Vouch about a member (signed, see README "Eligibility"), and the program's rules over it.
 * A few attributes have a fixed meaning and type; any other lower-case name is the vendor's own flag or value.
 */
export const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_ATTRIBUTES = 30;

/** The attributes Vouch knows: their values are checked, and rules on them must make sense for the type. */
export const KNOWN_ATTRIBUTES = {
  plan: "string",
  paying: "boolean",
  customer_since: "date",
  seats: "integer",
  nps: "nps",
} as const;
type KnownType = (typeof KNOWN_ATTRIBUTES)[keyof typeof KNOWN_ATTRIBUTES];

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function knownType(name: string): KnownType | undefined {
  return (KNOWN_ATTRIBUTES as Record<string, KnownType>)[name];
}

const TYPE_WORDS: Record<KnownType, string> = {
  string: "a string",
  boolean: "true or false",
  date: "a date (YYYY-MM-DD or an ISO 8601 time)",
  integer: "a whole number of 0 or more",
  nps: "a whole number from 0 to 10",
};

function fitsType(type: KnownType, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string" && DATE.test(value) && !Number.isNaN(Date.parse(value));
    case "integer":
      return Number.isInteger(value) && (value as number) >= 0;
    case "nps":
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10;
  }
}

const attributeValue = z.union([z.string().max(200), z.number().finite(), z.boolean()]);

export const attributesSchema = z
  .record(z.string().regex(ATTRIBUTE_NAME, "Attribute names are lower case: a-z, 0-9 and _"), attributeValue)
  .superRefine((attrs, ctx) => {
    if (Object.keys(attrs).length > MAX_ATTRIBUTES) {
      ctx.addIssue({ code: "custom", message: `At most ${MAX_ATTRIBUTES} attributes` });
    }
    for (const [name, value] of Object.entries(attrs)) {
      const type = knownType(name);
      if (type && !fitsType(type, value)) {
        ctx.addIssue({ code: "custom", path: [name], message: `${name} must be ${TYPE_WORDS[type]}` });
      }
    }
  })
  .meta({
    id: "MemberAttributes",
    description:
      "What you know about the member, for eligibility rules: `plan` (string), `paying` (boolean), `customer_since` (date), `seats` (integer), `nps` (0–10), or your own lower-case names with a string, number or boolean. Signed with the identity (README, Eligibility).",
    examples: [{ plan: "team", paying: true, customer_since: "2025-11-02", seats: 12, nps: 9, beta: true }],
  });
export type MemberAttributes = z.infer<typeof attributesSchema>;

const attribute = z.string().regex(ATTRIBUTE_NAME, "Attribute names are lower case: a-z, 0-9 and _");
const scalar = z.union([z.string().max(200), z.number().finite(), z.boolean()]);

export const conditionSchema = z.discriminatedUnion("op", [
  z.object({ attribute, op: z.enum(["eq", "neq"]), value: scalar }),
  z.object({
    attribute,
    op: z.enum(["in", "not_in"]),
    value: z
      .array(z.union([z.string().max(200), z.number()]))
      .min(1)
      .max(50),
  }),
  z.object({ attribute, op: z.enum(["gte", "gt", "lte", "lt"]), value: z.number().finite() }),
  /** Whole days since a date attribute (tenure): `customer_since` at least 30 days ago. */
  z.object({ attribute, op: z.enum(["days_since_gte", "days_since_lte"]), value: z.number().int().min(0).max(36_500) }),
  z.object({ attribute, op: z.literal("exists") }),
]);
export type EligibilityCondition = z.infer<typeof conditionSchema>;

const NUMERIC_OPS = new Set(["gte", "gt", "lte", "lt"]);
const DATE_OPS = new Set(["days_since_gte", "days_since_lte"]);

/** A condition that can never be true for a known attribute is refused, with the reason. */
function conditionProblem(c: EligibilityCondition): string | null {
  const type = knownType(c.attribute);
  if (!type) return null;
  if (DATE_OPS.has(c.op) && type !== "date") return `${c.op} compares dates; ${c.attribute} is not a date`;
  if (type === "date" && (NUMERIC_OPS.has(c.op) || c.op === "in" || c.op === "not_in")) {
    return `${c.attribute} is a date: use days_since_gte or days_since_lte`;
  }
  if (NUMERIC_OPS.has(c.op) && (type === "string" || type === "boolean")) {
    return `${c.op} compares numbers; ${c.attribute} is ${TYPE_WORDS[type]}`;
  }
  if ((c.op === "eq" || c.op === "neq") && !fitsType(type, c.value)) {
    return `${c.attribute} must be compared with ${TYPE_WORDS[type]}`;
  }
  const bound = "value" in c ? c.value : undefined;
  if (type === "nps" && typeof bound === "number" && (bound < 0 || bound > 10)) {
    return "nps is from 0 to 10";
  }
  return null;
}

export const eligibilityRulesSchema = z
  .object({
    /** `all`: every condition must hold; `any`: one is enough. */
    match: z.enum(["all", "any"]).default("all"),
    conditions: z.array(conditionSchema).min(1).max(20),
  })
  .superRefine((rules, ctx) => {
    rules.conditions.forEach((c, i) => {
      const problem = conditionProblem(c);
      if (problem) ctx.addIssue({ code: "custom", path: ["conditions", i], message: problem });
    });
  })
  .meta({
    id: "EligibilityRules",
    description:
      "Who sees the callout. A condition on an attribute the member does not have is false. null: every member.",
    examples: [
      {
        match: "all",
        conditions: [
          { attribute: "paying", op: "eq", value: true },
          { attribute: "customer_since", op: "days_since_gte", value: 30 },
        ],
      },
    ],
  });
export type EligibilityRules = z.infer<typeof eligibilityRulesSchema>;

export const eligibilityCountsSchema = z
  .object({
    rules: eligibilityRulesSchema.nullable(),
    eligible: z.number().int(),
    not_eligible: z.number().int(),
    unchecked: z.number().int().meta({ description: "Members who have not opened the widget since they enrolled." }),
  })
  .meta({ id: "EligibilityCounts" });
