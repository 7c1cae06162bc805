import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import { eligibilityCountsSchema } from "./schema";
import { eligibilityCounts } from "./service";

export const eligibilityRoutes = router();

defineRoute(
  eligibilityRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getEligibilityCounts",
    tag: "analytics",
    summary: "How many members the eligibility rules let see the callout",
    description:
      "Each member's verdict as of their last enrolment (`POST /v1/members/me` or `POST /v1/members`), on the attributes your server signed then. Change the rules with `PATCH /v1/program` (`eligibility`); members are judged again the next time they open your product.",
    auth: "secret",
    responses: {
      200: {
        description: "The rules and the members by verdict.",
        schema: eligibilityCountsSchema,
        example: {
          rules: {
            match: "all",
            conditions: [
              { attribute: "paying", op: "eq", value: true },
              { attribute: "customer_since", op: "days_since_gte", value: 30 },
            ],
          },
          eligible: 412,
          not_eligible: 1288,
          unchecked: 35,
        },
      },
    },
    errors: [],
  },
  async (c) => {
    const program = c.get("program");
    return c.json({ rules: program.eligibility, ...(await eligibilityCounts(c.env.DB, program.id)) });
  },
);
