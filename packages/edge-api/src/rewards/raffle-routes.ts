import { router } from "../lib/app";
import { readBody, readQuery } from "../lib/validate";
import { monthOf } from "./raffle";
import { drawMonth, raffleEntrants, recordedDraw } from "./raffle-draws";
import { drawSchema, raffleEntriesQuery } from "./schema";

/** `/v1/raffle`: monthly entries and draws with a recorded seed. */
export const raffleRoutes = router();

/** A page of entrants by member id; `total_entries` counts the whole month. */
raffleRoutes.get("/entries", async (c) => {
  const q = readQuery(c, raffleEntriesQuery);
  const month = q.month ?? monthOf(Date.now());
  const { page, next_cursor, total_entries } = await raffleEntrants(c.env.DB, c.get("program").id, month, q);
  return c.json({ month, total_entries, entrants: page, next_cursor });
});

raffleRoutes.post("/draws", async (c) => {
  const input = await readBody(c, drawSchema);
  const draw = await drawMonth(c.env.DB, c.get("program").id, input.month, input.seed);
  return c.json({ draw }, 201);
});

raffleRoutes.get("/draws/:month", async (c) => {
  return c.json(await recordedDraw(c.env.DB, c.get("program").id, c.req.param("month")));
});
