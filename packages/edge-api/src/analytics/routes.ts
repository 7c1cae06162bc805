import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import {
  analyticsSummarySchema,
  seriesSchema,
  summaryQuery,
  timeseriesQuery,
  topMembersQuery,
  topMembersSchema,
} from "./schema";
import { rangeOf, summarize, timeseries, topMembers } from "./service";

export const analyticsRoutes = router();

const RANGE_NOTE =
  "UTC days, inclusive; the last 30 days by default. Read from daily rollups, so a year costs what a week does. Counts are by the day things happened: a lead on the day it came, a conversion on the day the referral converted (taken back if it is later refunded).";

defineRoute(
  analyticsRoutes,
  {
    method: "get",
    path: "/summary",
    operationId: "getAnalyticsSummary",
    tag: "analytics",
    summary: "The program's funnel, shares, participation and money for a date range",
    description: RANGE_NOTE,
    auth: "secret",
    query: summaryQuery,
    responses: {
      200: {
        description: "The program's figures.",
        schema: analyticsSummarySchema,
        example: {
          range: { from: "2026-11-02", to: "2026-12-01" },
          campaign: null,
          visits: 240,
          unique_visitors: 180,
          shares: { total: 31, by_channel: { linkedin: 18, email: 9, copy: 4 } },
          leads: 22,
          qualified: 9,
          conversions: 6,
          churned: 1,
          refunded: 0,
          referral_conversion_rate: 0.2727,
          funnel: {
            visits: 240,
            leads: 22,
            qualified: 9,
            conversions: 6,
            rates: {
              visit_to_lead: 0.0917,
              lead_to_qualified: 0.4091,
              qualified_to_conversion: 0.6667,
              lead_to_conversion: 0.2727,
            },
          },
          members: { total: 120, active: 17 },
          participation_rate: 0.1417,
          money: [
            {
              currency: "USD",
              revenue: 299_400,
              rewards_earned: 60_000,
              rewards_paid: 40_000,
              rewards_pending: 20_000,
              return_on_rewards: 4.99,
            },
          ],
          by_campaign: [{ campaign: null, visits: 240, leads: 22, conversions: 6 }],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => c.json(await summarize(c.env.DB, c.get("program").id, rangeOf(query))),
);

defineRoute(
  analyticsRoutes,
  {
    method: "get",
    path: "/timeseries",
    operationId: "getAnalyticsTimeseries",
    tag: "analytics",
    summary: "One metric over time, by day, week or month",
    description: `${RANGE_NOTE} Every bucket the range touches has a point (zero where nothing happened); weeks start on Monday. Money metrics answer per currency in \`by_currency\`.`,
    auth: "secret",
    query: timeseriesQuery,
    responses: {
      200: {
        description: "The points, oldest first.",
        schema: seriesSchema,
        example: {
          metric: "conversions",
          interval: "week",
          range: { from: "2026-11-02", to: "2026-11-15" },
          campaign: null,
          points: [
            { start: "2026-10-26", value: 1 },
            { start: "2026-11-02", value: 4 },
            { start: "2026-11-09", value: 2 },
          ],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) =>
    c.json(await timeseries(c.env.DB, c.get("program").id, rangeOf(query), query.metric, query.interval)),
);

defineRoute(
  analyticsRoutes,
  {
    method: "get",
    path: "/top-members",
    operationId: "getTopMembers",
    tag: "analytics",
    summary: "The members who brought the most customers in a date range",
    description: "By the day each referral converted; refunded sales leave out.",
    auth: "secret",
    query: topMembersQuery,
    responses: {
      200: {
        description: "The members, most conversions first (the earliest first on a tie).",
        schema: topMembersSchema,
        example: {
          range: { from: "2026-11-02", to: "2026-12-01" },
          data: [{ member_id: "mem_8fKq2xT4nW6yZ1aB", name: "Dana Whitfield", code: "DANA7K2M", conversions: 4 }],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => {
    const range = rangeOf(query);
    const data = await topMembers(c.env.DB, c.get("program").id, range, query.limit);
    const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    return c.json({ range: { from: iso(range.from), to: iso(range.to) }, data });
  },
);
