import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import { memberExample } from "../openapi/examples";
import { leaderboard } from "./leaderboard";
import { monthOf } from "./raffle";
import { leaderboardQuery, leaderboardResponseSchema } from "./schema";

/** `GET /v1/leaderboard?month=`: members by successful referrals (conversions that month, refunds left out). */
export const leaderboardRoutes = router();

defineRoute(
  leaderboardRoutes,
  {
    method: "get",
    path: "/",
    operationId: "getLeaderboard",
    tag: "rewards",
    summary: "Members by successful referrals in a month",
    description:
      "Conversions that month, refunds left out; ties go to whoever got there first. The current month by default.",
    auth: "secret",
    query: leaderboardQuery,
    responses: {
      200: {
        description: "The ranking.",
        schema: leaderboardResponseSchema,
        example: {
          month: "2026-01",
          data: [
            { rank: 1, member_id: memberExample.id, name: "Dana Scully", code: "DANA7K2M", successful_referrals: 4 },
          ],
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => {
    const month = query.month ?? monthOf(Date.now());
    return c.json({ month, data: await leaderboard(c.env.DB, c.get("program").id, month, query.limit) });
  },
);
