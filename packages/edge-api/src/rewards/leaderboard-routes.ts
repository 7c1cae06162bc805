import { router } from "../lib/app";
import { readQuery } from "../lib/validate";
import { leaderboard } from "./leaderboard";
import { monthOf } from "./raffle";
import { leaderboardQuery } from "./schema";

/** `GET /v1/leaderboard?month=`: members by successful referrals (conversions that month, refunds left out). */
export const leaderboardRoutes = router();

leaderboardRoutes.get("/", async (c) => {
  const q = readQuery(c, leaderboardQuery);
  const month = q.month ?? monthOf(Date.now());
  return c.json({ month, data: await leaderboard(c.env.DB, c.get("program").id, month, q.limit) });
});
