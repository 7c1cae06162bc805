import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { readBody, readQuery } from "../lib/validate";
import { approvedRewardsCsv } from "./export";
import {
  approveReward,
  approveRewards,
  getReward,
  isPayoutRace,
  listRewards,
  planPayout,
  promoteDue,
  rewardView,
  voidReward,
} from "./ledger";
import { approveSchema, exportQuery, listRewardsQuery, paySchema, voidSchema } from "./schema";

/** `/v1/rewards`: the ledger. List, approve, pay, void, export for a payout run. */
export const rewardRoutes = router();

rewardRoutes.get("/", async (c) => {
  const q = readQuery(c, listRewardsQuery);
  const { page, next_cursor } = await listRewards(c.env.DB, c.get("program").id, q);
  return c.json({ data: page.map(rewardView), next_cursor });
});

/** Approved rewards as CSV, oldest approval first: the input of a payout run (then `POST /v1/rewards/pay`). */
rewardRoutes.get("/export.csv", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, exportQuery);
  await promoteDue(c.env.DB, Date.now(), program.id);
  return c.body(approvedRewardsCsv(c.env.DB, program.id, q), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="vouch-approved-rewards-${new Date().toISOString().slice(0, 10)}.csv"`,
  });
});

rewardRoutes.post("/approve", async (c) => {
  const { ids } = await readBody(c, approveSchema);
  const { approved, skipped } = await approveRewards(c.env.DB, c.get("program").id, ids, Date.now());
  return c.json({ approved: approved.map(rewardView), skipped });
});

/** Marks approved rewards paid under one payout. Send an `Idempotency-Key` so a retried payout run is a no-op. */
rewardRoutes.post("/pay", async (c) => {
  const input = await readBody(c, paySchema);
  try {
    return await runIdempotent(c, (reader) => planPayout(c.env.DB, c.get("program").id, input, reader));
  } catch (err) {
    if (isPayoutRace(err))
      throw new ApiError("conflict", "A reward changed state during the payout. Retry the request.");
    throw err;
  }
});

rewardRoutes.get("/:id", async (c) => {
  const program = c.get("program");
  await promoteDue(c.env.DB, Date.now(), program.id);
  return c.json({ reward: rewardView(await getReward(c.env.DB, program.id, c.req.param("id"))) });
});

rewardRoutes.post("/:id/approve", async (c) => {
  const row = await approveReward(c.env.DB, c.get("program").id, c.req.param("id"), Date.now());
  return c.json({ reward: rewardView(row) });
});

/** Voids a pending or approved reward by hand, with a reason. A paid reward stays paid. */
rewardRoutes.post("/:id/void", async (c) => {
  const { reason } = await readBody(c, voidSchema);
  const row = await voidReward(c.env.DB, c.get("program").id, c.req.param("id"), reason);
  return c.json({ reward: rewardView(row) });
});
