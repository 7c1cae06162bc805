import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, makeProgram, server } from "../../test/fixtures";

describe("GET /v1/api-keys", () => {
  it("pages with limit and an opaque cursor, oldest first, every key once", async () => {
    const p = await makeProgram();
    for (let i = 0; i < 3; i++)
      expect((await server(p, "POST", "/v1/api-keys", { type: "secret" })).res.status).toBe(201);
    const seen: any[] = [];
    const sizes: number[] = [];
    let cursor: string | null = "";
    // Bounded, so a list that never ends its cursor fails instead of looping.
    for (let i = 0; i < 10 && cursor !== null; i++) {
      const { res, json } = await server(p, "GET", `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      sizes.push(json.data.length);
      seen.push(...json.data);
      cursor = json.next_cursor ?? null;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(seen.map((k) => k.id)).size).toBe(5);
    const order = seen.map((k) => `${k.created_at} ${k.id}`);
    expect(order).toEqual([...order].sort());
    // Without a limit: 50 a page, the whole list here.
    const all = await server(p, "GET", "/v1/api-keys");
    expect(all.json.data.map((k: any) => k.id)).toEqual(seen.map((k) => k.id));
    expect(all.json.next_cursor).toBeNull();
  });

  it("refuses a limit out of 1–200 and a cursor it did not issue", async () => {
    const p = await makeProgram();
    for (const limit of [0, 201]) {
      const { res, json } = await server(p, "GET", `/v1/api-keys?limit=${limit}`);
      expect(res.status).toBe(422);
      expect(json.error.details[0].path).toBe("limit");
    }
    const bad = await server(p, "GET", "/v1/api-keys?cursor=%%%");
    expect(bad.res.status).toBe(400);
    expect(bad.json.error.code).toBe("bad_request");
  });

  it("is documented with its paging parameters", async () => {
    const doc = (await (await SELF.fetch(`${API}/v1/openapi.json`)).json()) as any;
    for (const path of ["/v1/api-keys", "/v1/raffle/entries"]) {
      expect(doc.paths[path].get.parameters.map((q: any) => q.name)).toEqual(
        expect.arrayContaining(["limit", "cursor"]),
      );
    }
  });
});
