import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import { analyticsSummarySchema, summaryQuery } from "./schema";
import { programSummary } from "./service";

export const analyticsRoutes = router();

defineRoute(
  analyticsRoutes,
  {
    method: "get",
    path: "/summary",
    operationId: "getAnalyticsSummary",
    tag: "analytics",
    summary: "Visits, shares, leads, conversions and rates for a date range",
    description:
      "UTC days, inclusive; the last 30 days by default. Leads, qualified and conversions are a cohort: referrals created in the range, counted by the furthest status they reached.",
    auth: "secret",
    query: summaryQuery,
    responses: {
      200: {
        description: "The program's figures.",
        schema: analyticsSummarySchema,
        example: {
          range: { from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z" },
          campaign: null,
          visits: 240,
          unique_visitors: 180,
          shares: { total: 31, by_channel: { linkedin: 18, email: 9, copy: 4 } },
          leads: 22,
          qualified: 9,
          conversions: 6,
          referral_conversion_rate: 0.2727,
          members: { total: 120, active: 17 },
          participation_rate: 0.1417,
          by_campaign: [{ campaign: null, visits: 240, leads: 22, conversions: 6 }],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => c.json(await programSummary(c.env.DB, c.get("program").id, query)),
);
