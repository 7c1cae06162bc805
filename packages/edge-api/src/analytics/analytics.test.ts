import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, referralOf, server } from "../../test/fixtures";

describe("GET /v1/analytics/summary", () => {
  it("counts visits, uniques, shares, leads, qualified, conversions and rates, by campaign", async () => {
    const p = await makeProgram();
    const dana = await enrol(p, { id: "dana", email: "dana@northwind.test" });
    await enrol(p, { id: "idle-1" });
    await enrol(p, { id: "idle-2" });
    const sam = await enrol(p, { id: "sam", email: "sam@initech.test" });

    const visit = (code: string, campaign: string, ua: string) =>
      browser(p, "/v1/track/visit", { code, campaign, landing_url: "https://acme.test/" }).then(async (r) => {
        await env.DB.prepare("UPDATE visits SET visitor_hash = ? WHERE id = ?").bind(ua, r.json.click_id).run();
        return r.json.click_id as string;
      });
    const c1 = await visit(dana.member.code, "spring", "visitor-a");
    const c2 = await visit(dana.member.code, "spring", "visitor-a");
    const c3 = await visit(dana.member.code, "spring", "visitor-b");
    await visit(sam.member.code, "autumn", "visitor-c");
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
      referral_conversion_rate: 0.25,
      members: { total: 4, active: 2 },
      participation_rate: 0.5,
    });
    const spring = json.by_campaign.find((c: any) => c.campaign === "spring");
    expect(spring).toEqual({ campaign: "spring", visits: 3, leads: 3, conversions: 1 });

    const onlyAutumn = await server(p, "GET", "/v1/analytics/summary?campaign=autumn");
    expect(onlyAutumn.json).toMatchObject({ visits: 1, leads: 0, conversions: 0 });

    const past = await server(p, "GET", "/v1/analytics/summary?from=2020-01-01&to=2020-01-31");
    expect(past.json).toMatchObject({ visits: 0, leads: 0, shares: { total: 0 }, referral_conversion_rate: 0 });
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

  it("reads visits through the (program_id, created_at) index", async () => {
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM visits WHERE program_id = ? AND created_at >= ? AND created_at < ?",
    )
      .bind("p", 0, 1)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toContain("visits_program_time");
  });
});
