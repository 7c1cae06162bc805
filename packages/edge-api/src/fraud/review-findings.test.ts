/**
 * Findings of the security review of issue 9's change, one test each, reproduced against the real API and
 * D1. Each failed on the code the review read and passes now. (Finding 1, the derived-key confusion, is in
 * holes.test.ts.)
 */
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, referralOf, server, sign, type TestProgram } from "../../test/fixtures";
import worker from "../index";

type Json = Record<string, any>;
const usd = (value: number) => ({ type: "flat", value });
const cash = (id: string, trigger: string, value: number, extra: Json = {}) => ({
  id,
  trigger,
  recipient: "member",
  kind: "cash",
  amount: usd(value),
  currency: "USD",
  ...extra,
});

async function putRules(p: TestProgram, rules: Json) {
  const { res, json } = await server(p, "PUT", "/v1/reward-rules", rules);
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
}
async function rewardsOf(p: TestProgram, query = ""): Promise<Json[]> {
  return (await server(p, "GET", `/v1/rewards?limit=200${query}`)).json.data;
}
async function openReviews(p: TestProgram): Promise<Json[]> {
  return (await server(p, "GET", "/v1/reviews?status=open")).json.data;
}
async function runCron(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Three friends (a, b, c, each at their own company) become customers by the member's code, in order. */
async function convertThree(p: TestProgram, code: string): Promise<string[]> {
  const ids: string[] = [];
  for (const f of ["a", "b", "c"]) {
    ids.push((await server(p, "POST", "/v1/conversions", { email: `${f}@co-${f}.test`, code })).json.referral.id);
  }
  return ids;
}

describe("recomputing milestones, tiers and caps", () => {
  it("never brings back a reward an admin voided, and writes what it creates pending (2)", async () => {
    const p = await makeProgram();
    await putRules(p, { approval: "auto", rules: [cash("bonus", "converted", 5000, { milestone: { at: 2 } })] });
    const me = await enrol(p, { id: "u1" });
    const ids = await convertThree(p, me.member.code);
    const [bonus] = await rewardsOf(p);
    expect(bonus).toMatchObject({ referral_id: ids[1], state: "approved" });
    await server(p, "POST", `/v1/rewards/${bonus?.id}/void`, { reason: "admin: looks fraudulent" });
    await server(p, "PATCH", `/v1/referrals/${ids[2]}`, { status: "refunded" });
    expect((await rewardsOf(p)).filter((r) => r.state !== "voided")).toEqual([]);
  });

  it("creates nothing for a suspended member (3)", async () => {
    const p = await makeProgram();
    await putRules(p, { approval: "auto", rules: [cash("capped", "converted", 1000, { member_cap: { count: 2 } })] });
    const me = await enrol(p, { id: "u1" });
    const ids = await convertThree(p, me.member.code);
    await server(p, "POST", `/v1/members/${me.member.id}/suspend`, { reason: "fraud" });
    await server(p, "PATCH", `/v1/referrals/${ids[0]}`, { status: "refunded" });
    expect((await rewardsOf(p)).filter((r) => r.referral_id === ids[2])).toEqual([]);
  });
});

describe("re-attribution", () => {
  it("recomputes the previous member's milestone without the referral they lost (4)", async () => {
    const p = await makeProgram();
    await putRules(p, { approval: "auto", rules: [cash("two", "qualified", 5000, { milestone: { at: 2 } })] });
    const sq = await enrol(p, { id: "sq", email: "sq@squat.test" });
    const real = await enrol(p, { id: "real", email: "real@northwind.test" });
    for (const e of ["pat@globex.test", "kim@initech.test"]) {
      await browser(p, "/v1/track/lead", { email: e, member_token: sq.member_token });
      await server(p, "PATCH", `/v1/referrals/${(await referralOf(p, e)).id}`, { status: "qualified" });
    }
    const visit = await browser(p, "/v1/track/visit", { code: real.member.code });
    const conv = await server(p, "POST", "/v1/conversions", {
      email: "pat@globex.test",
      click_id: visit.json.click_id,
    });
    expect(conv.json.referral.member_id).toBe(real.member.id);
    const [review] = await openReviews(p);
    await server(p, "POST", `/v1/reviews/${review?.id}/approve`, { reason: "real member's visit" });
    const squatters = (await rewardsOf(p, `&member_id=${sq.member.id}`)).filter((r) => r.state !== "voided");
    expect(squatters).toEqual([]);
  });

  it("checks the new member for self-referral (5)", async () => {
    const p = await makeProgram({ fraud_rules: { attribution_conflict: { action: "allow" } } } as Json);
    await putRules(p, { rules: [cash("bounty", "converted", 10_000)] });
    const alice = await enrol(p, { id: "alice", email: "alice@alicecorp.test" });
    const pal = await enrol(p, { id: "pal", email: "pal@else.test" });
    await browser(p, "/v1/track/lead", { email: "alice@alicecorp.test", member_token: pal.member_token });
    const conv = await server(p, "POST", "/v1/conversions", { email: "alice@alicecorp.test", code: alice.member.code });
    expect(conv.res.status).toBe(422);
    expect(conv.json.error.code).toBe("self_referral");
    expect(await rewardsOf(p, `&member_id=${alice.member.id}`)).toEqual([]);
  });
});

describe("leads", () => {
  it("a lead-stage reward waits for qualification whatever its hold (6)", async () => {
    const p = await makeProgram();
    await putRules(p, { approval: "auto", rules: [cash("signup", "lead", 1000, { hold_days: 1 })] });
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "fake.person@globex.test", code: me.member.code });
    await runCron(Date.now() + 2 * 86_400_000);
    const [r] = await rewardsOf(p);
    expect(r).toMatchObject({ state: "pending", awaiting_qualification: true });
  });

  it("a member cannot tell from their panel whether an address is already referred (7)", async () => {
    const p = await makeProgram();
    const other = await enrol(p, { id: "other", email: "o@other.test" });
    await browser(p, "/v1/track/lead", { email: "known@target.test", member_token: other.member_token });
    await server(p, "POST", "/v1/conversions", { email: "vip.customer@gmail.com", code: other.member.code });
    const signature = await sign(p.identitySecret, "prober");
    let me: Json = {};
    for (const email of ["me@target.test", "vip.customer@gmail.com", "nobody.here@gmail.com"]) {
      me = (await browser(p, "/v1/members/me", { member: { id: "prober", email }, signature })).json;
    }
    const ask = async (email: string) =>
      (await browser(p, "/v1/track/lead", { email, member_token: me.member_token })).res.status;
    expect(await ask("known@target.test")).toBe(await ask("unknown@target.test"));
    expect(await ask("vip.customer@gmail.com")).toBe(await ask("nobody.here@gmail.com"));
  });

  it("the daily cap holds when leads race (8)", async () => {
    const p = await makeProgram({
      fraud_rules: { daily_lead_cap: { action: "block", max_per_day: 3 }, member_velocity: { action: "allow" } },
    } as Json);
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        browser(p, "/v1/track/lead", { email: `p${i}@co${i}.test`, member_token: me.member_token }),
      ),
    );
    expect(answers.map((a) => a.res.status)).toEqual(Array(20).fill(202));
    const { json } = await server(p, "GET", `/v1/referrals?member_id=${me.member.id}&limit=200`);
    expect(json.data).toHaveLength(3);
  });
});

describe("renewals and reviews", () => {
  it("the invoice id names the renewal whatever Idempotency-Key a retry sends (9)", async () => {
    const p = await makeProgram();
    await putRules(p, { rules: [cash("rec", "renewed", 1000)] });
    const me = await enrol(p, { id: "u1" });
    const conv = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", code: me.member.code });
    for (const k of ["retry-a", "retry-b"]) {
      const r = await server(
        p,
        "PATCH",
        `/v1/referrals/${conv.json.referral.id}`,
        { status: "renewed", invoice_id: "in_1" },
        { "idempotency-key": k },
      );
      expect(r.res.status).toBe(200);
    }
    expect(await rewardsOf(p)).toHaveLength(1);
  });

  it("a clawback never waits in review, so a later rejection cannot strand it (10)", async () => {
    const p = await makeProgram({
      fraud_rules: { conversion_bounds: { action: "flag", max_value_cents: 100_000 } },
    } as Json);
    await putRules(p, { approval: "auto", rules: [cash("q", "qualified", 1000)] });
    const sq = await enrol(p, { id: "sq", email: "sq@squat.test" });
    const real = await enrol(p, { id: "real", email: "real@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "pat@globex.test", member_token: sq.member_token });
    const pat = await referralOf(p, "pat@globex.test");
    await server(p, "PATCH", `/v1/referrals/${pat.id}`, { status: "qualified" });
    const [paidOne] = await rewardsOf(p);
    await server(p, "POST", "/v1/rewards/pay", { ids: [paidOne?.id], payout_reference: "r1" });
    const visit = await browser(p, "/v1/track/visit", { code: real.member.code });
    await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", click_id: visit.json.click_id });
    const [first] = await openReviews(p);
    await server(p, "POST", `/v1/reviews/${first?.id}/approve`, { reason: "ok" });
    await server(p, "PATCH", `/v1/referrals/${pat.id}`, {
      status: "renewed",
      value_cents: 5_000_000,
      currency: "USD",
      invoice_id: "in_1",
    });
    const [second] = await openReviews(p);
    await server(p, "POST", `/v1/reviews/${second?.id}/reject`, { reason: "bogus renewal" });
    const claw = (await rewardsOf(p)).find((r) => r.clawback_of === paidOne?.id);
    expect(claw).toMatchObject({ state: "approved", amount: -1000, member_id: sq.member.id });
  });

  it("a decision on a review that gained a reason since it was read is refused (11)", async () => {
    const p = await makeProgram();
    await putRules(p, { rules: [cash("bounty", "converted", 10_000)] });
    const sq = await enrol(p, { id: "sq", email: "sq@squat.test" });
    const real = await enrol(p, { id: "real", email: "real@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "pat@mailinator.com", member_token: sq.member_token });
    const [seen] = await openReviews(p);
    expect(seen?.reasons.map((r: Json) => r.rule)).toEqual(["disposable_email"]);
    const visit = await browser(p, "/v1/track/visit", { code: real.member.code });
    await server(p, "POST", "/v1/conversions", { email: "pat@mailinator.com", click_id: visit.json.click_id });
    const stale = await server(p, "POST", `/v1/reviews/${seen?.id}/approve`, {
      reason: "disposable is fine for us",
      expected_updated_at: seen?.updated_at,
    });
    expect(stale.res.status).toBe(409);
    expect(stale.json.error.code).toBe("review_changed");
    expect((await rewardsOf(p)).filter((r) => r.state === "approved")).toEqual([]);
  });
});

describe("raffle, member view, short links", () => {
  it("a suspended member's entries and a lost referral's entries do not count (12)", async () => {
    const p = await makeProgram();
    await putRules(p, { rules: [], raffle: { entries: { converted: 5, qualified: 3 } } });
    const me = await enrol(p, { id: "u1" });
    await server(p, "POST", "/v1/conversions", { email: "a@co-a.test", code: me.member.code });
    await server(p, "POST", `/v1/members/${me.member.id}/suspend`, { reason: "fraud" });
    expect((await server(p, "GET", "/v1/raffle/entries")).json.total_entries).toBe(0);

    const sq = await enrol(p, { id: "sq", email: "sq@squat.test" });
    const real = await enrol(p, { id: "real", email: "real@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "pat@globex.test", member_token: sq.member_token });
    await server(p, "PATCH", `/v1/referrals/${(await referralOf(p, "pat@globex.test")).id}`, { status: "qualified" });
    const visit = await browser(p, "/v1/track/visit", { code: real.member.code });
    await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", click_id: visit.json.click_id });
    const [review] = await openReviews(p);
    await server(p, "POST", `/v1/reviews/${review?.id}/approve`, { reason: "real member's visit" });
    const entrants = (await server(p, "GET", "/v1/raffle/entries")).json.entrants as Json[];
    expect(entrants.map((e) => e.member_id)).not.toContain(sq.member.id);
  });

  it("the member's widget never says why money was taken back (13)", async () => {
    const p = await makeProgram({
      fraud_rules: { conversion_bounds: { action: "flag", max_value_cents: 100_000 } },
    } as Json);
    await putRules(p, { rules: [cash("b", "converted", 5000)] });
    const me = await enrol(p, { id: "u1", email: "d@northwind.test" });
    const conv = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", code: me.member.code });
    const [r] = await rewardsOf(p);
    await server(p, "POST", "/v1/rewards/pay", { ids: [r?.id], payout_reference: "x" });
    await server(p, "PATCH", `/v1/referrals/${conv.json.referral.id}`, {
      status: "renewed",
      value_cents: 9_000_000,
      currency: "USD",
      invoice_id: "i1",
    });
    const [review] = await openReviews(p);
    await server(p, "POST", `/v1/reviews/${review?.id}/reject`, { reason: "fraud" });
    const widget = await enrol(p, { id: "u1" });
    const descriptions = widget.rewards.recent.map((x: Json) => String(x.description));
    expect(descriptions).toContain("Adjustment");
    expect(descriptions.join("|")).not.toMatch(/reject|fraud|clawback/i);
  });

  it("the old /r/<code> link no longer resolves across programs (14)", async () => {
    const a = await makeProgram({ landing_url: "https://evil.example/", allowed_origins: ["https://evil.example"] });
    const b = await makeProgram();
    const bm = await enrol(b, { id: "x", name: "Zed" });
    await server(a, "POST", "/v1/members", { id: "y", code: bm.member.code });
    await server(b, "POST", `/v1/members/${bm.member.id}/suspend`, { reason: "x" });
    const res = await SELF.fetch(`${API}/r/${bm.member.code}`, {
      redirect: "manual",
      headers: { "cf-connecting-ip": "198.51.100.19" },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error.message).toContain("/r/<program-slug>/<code>");
  });
});
