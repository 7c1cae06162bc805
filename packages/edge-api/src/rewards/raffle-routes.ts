import { z } from "zod";
import { router } from "../lib/app";
import { defineRoute } from "../lib/openapi";
import { drawExample, memberExample } from "../openapi/examples";
import { monthOf } from "./raffle";
import { drawMonth, raffleEntrants, recordedDraw } from "./raffle-draws";
import { drawParams, drawSchema, drawViewSchema, raffleEntriesQuery, raffleEntriesResponseSchema } from "./schema";

/** `/v1/raffle`: monthly entries and draws with a recorded seed. */
export const raffleRoutes = router();

/** A page of entrants by member id; `total_entries` counts the whole month. */
defineRoute(
  raffleRoutes,
  {
    method: "get",
    path: "/entries",
    operationId: "listRaffleEntries",
    tag: "rewards",
    summary: "Raffle entries per member for a month, paged by member id",
    description: "The current month by default. `total_entries` counts the whole month.",
    auth: "secret",
    query: raffleEntriesQuery,
    responses: {
      200: {
        description: "A page of entrants.",
        schema: raffleEntriesResponseSchema,
        example: {
          month: "2026-01",
          total_entries: 3,
          entrants: [{ member_id: memberExample.id, entries: 3 }],
          next_cursor: null,
        },
      },
    },
    errors: ["bad_request"],
  },
  async (c, { query }) => {
    const month = query.month ?? monthOf(Date.now());
    const { page, next_cursor, total_entries } = await raffleEntrants(c.env.DB, c.get("program").id, month, query);
    return c.json({ month, total_entries, entrants: page, next_cursor });
  },
);

/**
 * Draws a month once. The entrant list is frozen into the draw, so draw after the month ends; the seed can be a
 * public value chosen in advance (a lottery result) so nobody, us included, can pick the winner.
 */
defineRoute(
  raffleRoutes,
  {
    method: "post",
    path: "/draws",
    operationId: "drawRaffle",
    tag: "rewards",
    summary: "Draw a month's raffle with a recorded seed",
    description:
      "Once per month, after it ends: the entrants are frozen into the draw. Use a public value chosen in advance (a lottery result) as `seed` so nobody can pick the winner; anyone can re-run the draw from the seed and entrants.",
    auth: "secret",
    body: drawSchema,
    bodyExample: { month: "2026-01", seed: "lottery-2026-02-01-07-13-22-31-40" },
    responses: {
      201: { description: "The draw.", schema: z.object({ draw: drawViewSchema }), example: { draw: drawExample } },
    },
    errors: ["raffle_already_drawn", "raffle_no_entries"],
  },
  async (c, { body }) => c.json({ draw: await drawMonth(c.env.DB, c.get("program").id, body.month, body.seed) }, 201),
);

defineRoute(
  raffleRoutes,
  {
    method: "get",
    path: "/draws/{month}",
    operationId: "getRaffleDraw",
    tag: "rewards",
    summary: "A recorded draw, re-run to verify the winner",
    auth: "secret",
    params: drawParams,
    responses: {
      200: {
        description: "The draw; `verified` is true when re-running it gives the same winner.",
        schema: z.object({ draw: drawViewSchema, verified: z.boolean() }),
        example: { draw: drawExample, verified: true },
      },
    },
    errors: ["draw_not_found"],
  },
  async (c, { params }) => c.json(await recordedDraw(c.env.DB, c.get("program").id, params.month)),
);
