import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, landedVisits, makeProgram, referralOf, server } from "../../test/fixtures";

describe("GET /v1/analytics/summary", () => {
  it("counts visits, uniques, shares, leads, qualified, conversions and rates, by campaign", async () => {
    const p = await makeProgram();
    const dana = await enrol(p, { id: "dana", email: "dana@northwind.test" });
    await enrol(p, { id: "idle-1" });
    await enrol(p, { id: "idle-2" });
    const sam = await enrol(p, { id: "sam", email: "sam@initech.test" });

    // A visitor is an address (and user agent): visitor A comes twice.
    const visit = (code: string, campaign: string, ip: string) =>
      browser(p, "/v1/track/visit", { code, campaign, landing_url: "https://acme.test/" }, { ip }).then(
        (r) => r.json.click_id as string,
      );
    const c1 = await visit(dana.member.code, "spring", "203.0.113.1");
    const c2 = await visit(dana.member.code, "spring", "203.0.113.1");
    const c3 = await visit(dana.member.code, "spring", "203.0.113.2");
    await visit(sam.member.code, "autumn", "203.0.113.3");
    await landedVisits(p.id, 4);
    await browser(p, "/v1/track/share", { member_token: dana.member_token, channel: "email" });
    await browser(p, "/v1/track/share", { member_token: dana.member_token, channel: "linkedin" });
    await browser(p, "/v1/track/share", { member_token: sam.member_token, channel: "linkedin" });

    await browser(p, "/v1/track/lead", { email: "a@globex.test", click_id: c1 });
    await browser(p, "/v1/track/lead", { email: "b@globex.test", click_id: c2 });
    await browser(p, "/v1/track/lead", { email: "c@globex.test", click_id: c3 });
    await browser(p, "/v1/track/lead", { email: "d@hooli.test", member_token: sam.member_token });
    const l1 = await referralOf(p, "a@globex.test");
    const l2 = await referralOf(p, "b@globex.test");
    await server(p, "PATCH", `/v1/referrals/${l1.id}`, { status: "qualified" });
    await server(p, "PATCH", `/v1/referrals/${l2.id}`, { status: "converted" });
    await server(p, "PATCH", `/v1/referrals/${l2.id}`, { status: "lost" }); // churned, still converted once

    const { res, json } = await server(p, "GET", "/v1/analytics/summary");
    expect(res.status).toBe(200);
    expect(json).toMatchObject({
      visits: 4,
      unique_visitors: 3,
      shares: { total: 3, by_channel: { email: 1, linkedin: 2 } },
      leads: 4,
      qualified: 2,
      conversions: 1,
      churned: 1,
      refunded: 0,
      referral_conversion_rate: 0.25,
      funnel: {
        visits: 4,
        leads: 4,
        qualified: 2,
        conversions: 1,
        rates: { visit_to_lead: 1, lead_to_conversion: 0.25 },
      },
      members: { total: 4, active: 2 },
      participation_rate: 0.5,
    });
    const spring = json.by_campaign.find((c: any) => c.campaign === "spring");
    expect(spring).toEqual({ campaign: "spring", visits: 3, leads: 3, conversions: 1 });

    const onlyAutumn = await server(p, "GET", "/v1/analytics/summary?campaign=autumn");
    expect(onlyAutumn.json).toMatchObject({ visits: 1, leads: 0, conversions: 0 });

    const past = await server(p, "GET", "/v1/analytics/summary?from=2020-01-01&to=2020-01-31");
    expect(past.json).toMatchObject({ visits: 0, leads: 0, shares: { total: 0 }, referral_conversion_rate: 0 });

    // The same figures over time, and who brought them.
    const today = new Date().toISOString().slice(0, 10);
    const series = await server(
      p,
      "GET",
      `/v1/analytics/timeseries?metric=leads&interval=day&from=${today}&to=${today}`,
    );
    expect(series.json.points).toEqual([{ start: today, value: 4 }]);
    const top = await server(p, "GET", "/v1/analytics/top-members");
    expect(top.json.data).toEqual([{ member_id: dana.member.id, name: null, code: dana.member.code, conversions: 1 }]);
  });

  it("answers money by currency: payments, rewards earned, paid and pending, and their ratio", async () => {
    const p = await makeProgram();
    await server(p, "PUT", "/v1/reward-rules", {
      rules: [
        {
          id: "ten-percent",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          currency: "USD",
          amount: { type: "percent", percent: 10 },
          hold_days: 30,
        },
      ],
    });
    const me = await enrol(p, { id: "u1" });
    for (const [f, value] of [
      ["a", 50_000],
      ["b", 30_000],
    ] as const) {
      await server(p, "POST", "/v1/conversions", {
        email: `${f}@co-${f}.test`,
        code: me.member.code,
        value_cents: value,
        currency: "USD",
      });
    }
    const { json } = await server(p, "GET", "/v1/analytics/summary");
    expect(json.money).toEqual([
      {
        currency: "USD",
        revenue: 80_000,
        rewards_earned: 8_000,
        rewards_paid: 0,
        rewards_pending: 8_000,
        return_on_rewards: 10,
      },
    ]);
    const weekly = await server(p, "GET", "/v1/analytics/timeseries?metric=revenue&interval=week");
    const total = weekly.json.points.reduce((s: number, pt: any) => s + (pt.by_currency.USD ?? 0), 0);
    expect(total).toBe(80_000);
    expect(weekly.json.points.every((pt: any) => new Date(`${pt.start}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
  });

  it("rejects a malformed or inverted range", async () => {
    const p = await makeProgram();
    const bad = await server(p, "GET", "/v1/analytics/summary?from=yesterday");
    expect(bad.res.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("from");
    const inverted = await server(p, "GET", "/v1/analytics/summary?from=2026-02-01&to=2026-01-01");
    expect(inverted.res.status).toBe(422);
    for (const day of ["2024-13-01", "2024-02-31"]) {
      const impossible = await server(p, "GET", `/v1/analytics/summary?from=${day}`);
      expect(impossible.res.status, day).toBe(422);
      expect(impossible.json.error.details[0]).toMatchObject({ path: "from", message: "Not a calendar date" });
    }
  });

  it("reads the daily rollups through their primary key, never the raw tables", async () => {
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT SUM(visits) FROM daily_stats WHERE program_id = ? AND day >= ? AND day <= ?",
    )
      .bind("p", 0, 1)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(/SEARCH daily_stats USING PRIMARY KEY/);
  });
});
