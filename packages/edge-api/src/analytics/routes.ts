import { router } from "../lib/app";
import { readQuery } from "../lib/validate";
import { summaryQuery } from "./schema";
import { programSummary } from "./service";

export const analyticsRoutes = router();

analyticsRoutes.get("/summary", async (c) => {
  return c.json(await programSummary(c.env.DB, c.get("program").id, readQuery(c, summaryQuery)));
});
