import { describe, expect, it } from "vitest";
import { makeProgram, server } from "../../test/fixtures";

const spendRule = (min_spend_cents: unknown) => ({
  id: "spend",
  trigger: "renewed",
  recipient: "member",
  kind: "cash",
  amount: { type: "flat", value: 2500 },
  currency: "USD",
  min_spend_cents,
});

describe("PUT /v1/reward-rules: min_spend_cents", () => {
  it("takes any positive amount up to the money maximum, not only up to 100,000", async () => {
    const p = await makeProgram();
    for (const amount of [250_000, 1_000_000_000_00]) {
      const { res, json } = await server(p, "PUT", "/v1/reward-rules", { rules: [spendRule(amount)] });
      expect(res.status, JSON.stringify(json)).toBe(201);
      expect(json.rules.rules[0].min_spend_cents).toBe(amount);
    }
    const saved = await server(p, "GET", "/v1/reward-rules");
    expect(saved.json.rules.rules[0].min_spend_cents).toBe(1_000_000_000_00);
  });

  it("refuses zero, fractions and amounts past the money maximum", async () => {
    const p = await makeProgram();
    for (const amount of [0, -1, 10.5, 1_000_000_000_01]) {
      const { res, json } = await server(p, "PUT", "/v1/reward-rules", { rules: [spendRule(amount)] });
      expect(res.status).toBe(422);
      expect(json.error.details.map((d: { path: string }) => d.path)).toEqual(["rules.0.min_spend_cents"]);
    }
  });
});
