import { describe, expect, it } from "vitest";
import { enrol, makeProgram, server } from "../../test/fixtures";
import { lifecycle, reachedRank } from "./lifecycle";
import type { ReferralStatus } from "./status";

describe("the referral lifecycle (pure)", () => {
  const of = (statuses: ReferralStatus[], rejected = false) =>
    lifecycle({ status: statuses.at(-1) as ReferralStatus, reached: reachedRank(statuses), rejected });

  it("counts a churned customer as converted, a refunded sale not, a lost deal as qualified only", () => {
    expect(of(["lead"])).toEqual({
      lead: true,
      qualified: false,
      converted: false,
      activeCustomer: false,
      churned: false,
      refunded: false,
    });
    expect(of(["lead", "converted"])).toMatchObject({ qualified: true, converted: true, activeCustomer: true });
    expect(of(["lead", "converted", "renewed", "lost"])).toMatchObject({
      qualified: true,
      converted: true,
      activeCustomer: false,
      churned: true,
    });
    expect(of(["lead", "converted", "refunded"])).toMatchObject({ converted: false, refunded: true, qualified: true });
    expect(of(["lead", "qualified", "lost"])).toMatchObject({ qualified: true, converted: false, churned: false });
    expect(Object.values(of(["lead", "converted"], true)).some(Boolean)).toBe(false);
  });
});

describe("every view tells the same story", () => {
  it("through a conversion, a renewal, a churn and a refund", async () => {
    const p = await makeProgram();
    await server(p, "PUT", "/v1/reward-rules", {
      rules: [
        {
          id: "third",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          currency: "USD",
          amount: { type: "flat", value: 25_000 },
          milestone: { at: 3 },
        },
      ],
      stacking_discount: { percent_per_referral: 10, max_percent: 50 },
    });
    const me = await enrol(p, { id: "u1", name: "Dana" });
    const month = new Date().toISOString().slice(0, 7);
    const views = async () => {
      const widget = await enrol(p, { id: "u1" });
      const board = await server(p, "GET", `/v1/leaderboard?month=${month}`);
      const summary = await server(p, "GET", "/v1/analytics/summary");
      const discount = await server(p, "GET", `/v1/members/${me.member.id}/discount`);
      return {
        widgetCustomers: widget.stats.converted,
        milestoneProgress: widget.rewards.next_milestone?.current ?? null,
        leaderboard: board.json.data[0]?.successful_referrals ?? 0,
        analyticsConversions: summary.json.conversions,
        active: discount.json.active_referrals,
        discount: discount.json.discount_percent,
      };
    };
    const convert = async (f: string) =>
      (await server(p, "POST", "/v1/conversions", { email: `${f}@co-${f}.test`, code: me.member.code })).json.referral
        .id;

    const a = await convert("a");
    const b = await convert("b");
    expect(await views()).toEqual({
      widgetCustomers: 2,
      milestoneProgress: 2,
      leaderboard: 2,
      analyticsConversions: 2,
      active: 2,
      discount: 20,
    });

    await server(p, "PATCH", `/v1/referrals/${a}`, { status: "renewed", invoice_id: "in_1" });
    await server(p, "PATCH", `/v1/referrals/${a}`, { status: "lost" });
    // A churned customer paid: still a successful referral everywhere, no longer an active one.
    expect(await views()).toEqual({
      widgetCustomers: 2,
      milestoneProgress: 2,
      leaderboard: 2,
      analyticsConversions: 2,
      active: 1,
      discount: 10,
    });

    await server(p, "PATCH", `/v1/referrals/${b}`, { status: "refunded" });
    // A refunded sale never happened: it leaves every count at once.
    expect(await views()).toEqual({
      widgetCustomers: 1,
      milestoneProgress: 1,
      leaderboard: 1,
      analyticsConversions: 1,
      active: 0,
      discount: 0,
    });
  });
});
