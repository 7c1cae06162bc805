import { describe, expect, it } from "vitest";
import { makeProgram, server } from "../../test/fixtures";
import { monthOf } from "./raffle";

describe("GET /v1/raffle/entries", () => {
  it("pages entrants by member id and keeps the month's total on every page", async () => {
    const p = await makeProgram();
    expect((await server(p, "PUT", "/v1/reward-rules", { raffle: { entries: { converted: 2 } } })).res.status).toBe(
      201,
    );
    const memberIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { json } = await server(p, "POST", "/v1/members", { id: `m${i}` });
      memberIds.push(json.member.id);
      // Member i brings i + 1 customers: 2 entries each.
      for (let j = 0; j <= i; j++) {
        const sale = await server(p, "POST", "/v1/conversions", {
          email: `f${i}-${j}@friend-${i}-${j}.test`,
          code: json.member.code,
        });
        expect(sale.res.status, JSON.stringify(sale.json)).toBeLessThan(300);
      }
    }
    const month = monthOf(Date.now());
    const pages: any[] = [];
    let cursor: string | null = "";
    // Bounded, so a list that never ends its cursor fails instead of looping.
    for (let i = 0; i < 10 && cursor !== null; i++) {
      const { res, json } = await server(
        p,
        "GET",
        `/v1/raffle/entries?month=${month}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status).toBe(200);
      pages.push(json);
      cursor = json.next_cursor ?? null;
    }
    expect(pages.map((page) => page.entrants.length)).toEqual([2, 2, 1]);
    expect(pages.every((page) => page.month === month && page.total_entries === 30)).toBe(true);
    const entrants = pages.flatMap((page) => page.entrants);
    const expected = memberIds.map((member_id, i) => ({ member_id, entries: 2 * (i + 1) }));
    expect(entrants).toEqual(expected.sort((a, b) => (a.member_id < b.member_id ? -1 : 1)));

    const bad = await server(p, "GET", `/v1/raffle/entries?cursor=%%%`);
    expect(bad.res.status).toBe(400);
    const tooMany = await server(p, "GET", `/v1/raffle/entries?limit=201`);
    expect(tooMany.res.status).toBe(422);
  });
});
