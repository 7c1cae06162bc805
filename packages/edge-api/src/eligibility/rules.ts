import {
  type EligibilityCondition,
  type EligibilityRules,
  eligibilityRulesSchema,
  type MemberAttributes,
} from "./schema";

/**
 * Who sees the callout: the program's conditions over the attributes the host signed, evaluated where the member is
 * enrolled (`POST /v1/members/me`). Pure. An attribute the member does not have makes its condition false, so
 * a host that passes nothing gets nobody eligible under rules, never everybody.
 */

const DAY_MS = 86_400_000;

export function isEligible(rules: EligibilityRules | null, attributes: MemberAttributes | null, now: number): boolean {
  if (!rules) return true;
  const attrs = attributes ?? {};
  const results = rules.conditions.map((c) => holds(c, attrs, now));
  return rules.match === "any" ? results.some(Boolean) : results.every(Boolean);
}

function holds(c: EligibilityCondition, attrs: MemberAttributes, now: number): boolean {
  const value = attrs[c.attribute];
  if (value === undefined) return false;
  switch (c.op) {
    case "exists":
      return true;
    case "eq":
      return value === c.value;
    case "neq":
      return value !== c.value;
    case "in":
      return (c.value as (string | number)[]).includes(value as string | number);
    case "not_in":
      return !(c.value as (string | number)[]).includes(value as string | number);
    case "gte":
    case "gt":
    case "lte":
    case "lt": {
      if (typeof value !== "number") return false;
      if (c.op === "gte") return value >= c.value;
      if (c.op === "gt") return value > c.value;
      if (c.op === "lte") return value <= c.value;
      return value < c.value;
    }
    case "days_since_gte":
    case "days_since_lte": {
      const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at)) return false;
      const days = Math.floor((now - at) / DAY_MS);
      return c.op === "days_since_gte" ? days >= c.value : days <= c.value;
    }
  }
}

/** The stored rules; a row that no longer parses means "no rules" (everyone), and is logged. */
export function parseEligibilityRules(json: string | null): EligibilityRules | null {
  if (!json) return null;
  try {
    const parsed = eligibilityRulesSchema.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch {}
  console.error("stored eligibility rules do not parse");
  return null;
}

/** The attributes as one string whatever order the host wrote them in: keys sorted, JSON. */
export function canonicalAttributes(attributes: MemberAttributes): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}
