import { env, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { API, enrol, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { requiredRole } from "../admin/middleware";
import { PORTAL_COOKIE } from "../portal/routes";
import { voidStatements } from "../rewards/ledger";
import { planRun } from "./plan";
import { advancePayout, type PayoutEnv } from "./service";
import { DEFAULT_PAYOUT_SETTINGS } from "./settings";

const cashNow = {
  rules: [
    {
      id: "cash",
      trigger: "converted" as const,
      recipient: "member" as const,
      kind: "cash" as const,
      amount: { type: "flat" as const, value: 10_000 },
      currency: "USD",
      hold_days: 0,
    },
  ],
  approval: "auto" as const,
};

const HOUR = 3_600_000;

/** A provider's fake of this test's own (test/fakes): its base URL and control calls. */
function fake(provider: "paypal" | "tremendous" | "wise") {
  const base = `${inject("receiverUrl")}/${provider}/${crypto.randomUUID().slice(0, 8)}`;
  const put = (what: string, body: unknown) =>
    fetch(`${base}/_${what}`, { method: "PUT", body: JSON.stringify(body) }).then(() => undefined);
  return {
    base,
    replies: (r: unknown[]) => put("replies", r),
    settle: (body: unknown) => put("settle", body),
    put,
    log: async () =>
      (await (await fetch(`${base}/_log`)).json()) as { method: string; path: string; body: any; headers?: any }[],
  };
}

function envWith(over: Partial<PayoutEnv>): PayoutEnv {
  return { ...env, VOUCH_ENV: "test", ...over } as PayoutEnv;
}

/** A program paying $100 cash per conversion at once, offering `methods`, with `n` members who each earned one. */
async function programWithEarners(methods: string[], n = 1, extra: Record<string, unknown> = {}) {
  const p = await makeProgram({}, { rules: cashNow });
  const settings = await server(p, "PATCH", "/v1/payouts/settings", { methods, ...extra });
  expect(settings.res.status).toBe(200);
  const members: { id: string; code: string; rewardId: string; referralId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { member } = await enrol(p, { id: `u${i}`, email: `member${i}@northwind.test`, name: `Dana ${i}` });
    const conv = await server(p, "POST", "/v1/conversions", {
      email: `friend${i}@initech.test`,
      code: member.code,
      value_cents: 9_900,
      currency: "USD",
    });
    expect(conv.res.status).toBe(201);
    const reward = (conv.json.rewards as { id: string; state: string }[])[0];
    expect(reward?.state).toBe("approved");
    members.push({ id: member.id, code: member.code, rewardId: reward?.id ?? "", referralId: conv.json.referral.id });
  }
  return { p, members };
}

async function choose(p: TestProgram, memberId: string, body: unknown) {
  return server(p, "PUT", `/v1/members/${memberId}/payout-method`, body);
}

const rewardRow = (id: string) =>
  env.DB.prepare("SELECT state, payout_id, paid_at FROM rewards WHERE id = ?")
    .bind(id)
    .first<{ state: string; payout_id: string | null; paid_at: number | null }>();

describe("planRun (pure)", () => {
  const settings = { ...DEFAULT_PAYOUT_SETTINGS, methods: ["paypal" as const] };
  const facts = new Map([
    ["m1", { method: "paypal" as const, email: "a@x.test", suspended: false }],
    ["m2", { method: "manual" as const, email: "b@x.test", suspended: false }],
    ["m3", { method: null, email: null, suspended: false }],
  ]);
  it("nets clawbacks, waits below the minimum, and stops at the yearly limit oldest first", () => {
    const rewards = [
      { id: "r1", member_id: "m1", amount: 10_000, currency: "USD" },
      { id: "r2", member_id: "m1", amount: 30_000, currency: "USD" },
      { id: "c1", member_id: "m1", amount: -5_000, currency: "USD" },
      { id: "r3", member_id: "m2", amount: 10_000, currency: "USD" },
      { id: "r4", member_id: "m3", amount: 10_000, currency: "USD" },
      { id: "r5", member_id: "m1", amount: 1_000, currency: "EUR" },
    ];
    const plain = planRun(settings, rewards, facts, new Map());
    expect(plain.payouts).toEqual([
      { member_id: "m1", currency: "USD", method: "paypal", amount: 35_000, reward_ids: ["r1", "r2", "c1"] },
      { member_id: "m1", currency: "EUR", method: "paypal", amount: 1_000, reward_ids: ["r5"] },
    ]);
    expect(plain.waiting.map((w) => [w.member_id, w.reason])).toEqual([
      ["m2", "manual"],
      ["m3", "no_method"],
    ]);
    // $600 a year, $400 already paid: the clawback comes along, r1 fits ($50 net), r2 does not.
    const limited = planRun(
      { ...settings, yearly_limits: { USD: 60_000 }, minimum_amounts: { EUR: 5_000 } },
      rewards,
      facts,
      new Map([["m1 USD", 40_000]]),
    );
    expect(limited.payouts).toEqual([
      { member_id: "m1", currency: "USD", method: "paypal", amount: 5_000, reward_ids: ["c1", "r1"] },
    ]);
    expect(limited.waiting).toContainEqual({
      member_id: "m1",
      currency: "USD",
      amount: 30_000,
      reason: "yearly_limit",
      limit: 15_000,
    });
    expect(limited.waiting).toContainEqual({
      member_id: "m1",
      currency: "EUR",
      amount: 1_000,
      reason: "below_minimum",
      limit: 5_000,
    });
  });
});

describe("payout runs through PayPal", () => {
  it("reserves, sends once with sender_batch_id, pays only on PayPal's word, and a repeated run pays nothing", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-1", PAYPAL_CLIENT_SECRET: "secret-1", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal", "manual"]);
    const m = members[0]!;
    expect((await choose(p, m.id, { method: "tremendous" })).json.error.code).toBe("payout_method_not_offered");
    const chosen = await choose(p, m.id, { method: "paypal", email: "Dana.Pay@Northwind.test" });
    expect(chosen.json.payout_method).toMatchObject({ method: "paypal", email: "dana.pay@northwind.test" });

    const run = await server(p, "POST", "/v1/payouts/runs", { currency: "USD" }, { "idempotency-key": "run-1" });
    expect(run.res.status).toBe(201);
    expect(run.json.run.totals).toEqual({ USD: 10_000 });
    const payout = run.json.payouts[0];
    expect(payout).toMatchObject({
      method: "paypal",
      state: "queued",
      amount: 10_000,
      recipient_email: "dana.pay@northwind.test",
    });
    // Reserved: still approved, not in the CSV, not voidable, not payable by hand.
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: payout.id });
    const csv = await (
      await SELF.fetch(`${API}/v1/rewards/export.csv`, { headers: { authorization: `Bearer ${p.sk}` } })
    ).text();
    expect(csv).toContain("reward_id");
    expect(csv).not.toContain(m.rewardId);
    expect((await server(p, "POST", `/v1/rewards/${m.rewardId}/void`, { reason: "x" })).json.error.code).toBe(
      "reward_in_payout",
    );
    const byHand = await server(p, "POST", "/v1/rewards/pay", { ids: [m.rewardId], payout_reference: "x" });
    expect(byHand.json.error.details.skipped).toEqual([{ id: m.rewardId, reason: "in_payout" }]);

    const now = Date.now();
    expect(await advancePayout(e, payout.id, now)).toMatchObject({ state: "processing" });
    const log = await paypal.log();
    // A token, the payout, and one question straight away (a small batch often settles within a second).
    expect(log.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/oauth2/token",
      "POST /v1/payments/payouts",
      expect.stringMatching(/^GET \/v1\/payments\/payouts\/5UXD\w+$/),
    ]);
    expect(log[1]?.headers["paypal-request-id"]).toBe(payout.id);
    expect(log[1]?.body).toMatchObject({
      sender_batch_header: { sender_batch_id: payout.id, recipient_type: "EMAIL" },
      items: [
        {
          amount: { value: "100.00", currency: "USD" },
          receiver: "dana.pay@northwind.test",
          sender_item_id: payout.id,
        },
      ],
    });
    // PayPal has it but has not paid: the reward waits.
    expect(await advancePayout(e, payout.id, now + HOUR)).toMatchObject({ state: "processing" });
    expect((await rewardRow(m.rewardId))?.state).toBe("approved");
    await paypal.settle({ transaction_status: "SUCCESS" });
    expect(await advancePayout(e, payout.id, now + 2 * HOUR)).toMatchObject({ state: "paid" });
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "paid", payout_id: payout.id });
    const got = await server(p, "GET", `/v1/payouts/${payout.id}`);
    expect(got.json.payout).toMatchObject({ state: "paid", provider_status: "SUCCESS" });
    expect(got.json.payout.provider_id).toMatch(/^5UXD/);

    // The same run again: the stored answer. A new run: nothing left to pay. Advancing again: nothing happens.
    const replay = await server(p, "POST", "/v1/payouts/runs", { currency: "USD" }, { "idempotency-key": "run-1" });
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.payouts[0].id).toBe(payout.id);
    const again = await server(p, "POST", "/v1/payouts/runs", { currency: "USD" });
    expect(again.json.payouts).toEqual([]);
    expect(await advancePayout(e, payout.id, now + 3 * HOUR)).toEqual({ state: "not_due" });
    expect((await paypal.log()).filter((r) => r.path === "/v1/payments/payouts")).toHaveLength(1);
  });

  it("retries a 503, and a resend after a lost answer finds PayPal's original batch instead of paying twice", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-2", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"]);
    await choose(p, members[0]!.id, { method: "paypal" });
    const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    await paypal.replies([{ status: 503, body: { name: "SERVICE_UNAVAILABLE", message: "Try later" } }]);
    const now = Date.now();
    expect(await advancePayout(e, payout.id, now)).toEqual({ state: "queued", retryDelayS: 60 });
    expect(await advancePayout(e, payout.id, now + 1_000)).toEqual({ state: "not_due" });
    expect(await advancePayout(e, payout.id, now + 61_000)).toMatchObject({ state: "processing" });
    const first = (await server(p, "GET", `/v1/payouts/${payout.id}`)).json.payout;
    // The Worker died after PayPal took it but before it saved the answer: the cron puts it back to queued.
    await env.DB.prepare("UPDATE payouts SET state = 'queued', provider_id = NULL, next_attempt_at = 0 WHERE id = ?")
      .bind(payout.id)
      .run();
    expect(await advancePayout(e, payout.id, now + 120_000)).toMatchObject({ state: "processing" });
    const second = (await server(p, "GET", `/v1/payouts/${payout.id}`)).json.payout;
    expect(second.provider_id).toBe(first.provider_id);
    const creates = (await paypal.log()).filter((r) => r.path === "/v1/payments/payouts");
    expect(creates.map((r) => r.body.sender_batch_header.sender_batch_id)).toEqual([payout.id, payout.id, payout.id]);
  });

  it("insufficient funds and a receiver PayPal refuses fail the payout and give its rewards back to the next run", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-3", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"]);
    const m = members[0]!;
    await choose(p, m.id, { method: "paypal" });
    const first = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    await paypal.replies([
      { status: 422, body: { name: "INSUFFICIENT_FUNDS", message: "Sender does not have sufficient funds." } },
    ]);
    const now = Date.now();
    expect(await advancePayout(e, first.id, now)).toEqual({ state: "failed" });
    expect((await server(p, "GET", `/v1/payouts/${first.id}`)).json.payout).toMatchObject({
      state: "failed",
      failure_code: "insufficient_funds",
    });
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: null });
    // Released, but a run pays it (PayPal is her method): it is not in the CSV a person pays by hand.
    const csv = await (
      await SELF.fetch(`${API}/v1/rewards/export.csv`, { headers: { authorization: `Bearer ${p.sk}` } })
    ).text();
    expect(csv).not.toContain(m.rewardId);

    const second = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    expect(second.id).not.toBe(first.id);
    expect(await advancePayout(e, second.id, Date.now())).toMatchObject({ state: "processing" });
    await paypal.settle({ transaction_status: "FAILED", errors: { name: "RECEIVER_UNREGISTERED", message: "x" } });
    expect(await advancePayout(e, second.id, now + HOUR)).toEqual({ state: "failed" });
    expect((await server(p, "GET", `/v1/payouts/${second.id}`)).json.payout.failure_code).toBe("invalid_recipient");
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: null });
  });

  it("a refund while the money travels books a clawback when PayPal confirms, netted from the next payout", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-4", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"]);
    const m = members[0]!;
    await choose(p, m.id, { method: "paypal" });
    const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    const now = Date.now();
    await advancePayout(e, payout.id, now);
    const refund = await server(p, "PATCH", `/v1/referrals/${m.referralId}`, { status: "refunded" });
    expect(refund.res.status).toBe(200);
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: payout.id });
    await paypal.settle({ transaction_status: "SUCCESS" });
    expect(await advancePayout(e, payout.id, now + HOUR)).toMatchObject({ state: "paid" });
    const clawback = await env.DB.prepare("SELECT amount, state FROM rewards WHERE clawback_of = ?")
      .bind(m.rewardId)
      .first();
    expect(clawback).toEqual({ amount: -10_000, state: "approved" });
  });

  it("a milestone bonus taken back while the money travels (another referral refunded) is clawed back once paid, voided if the payout fails", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-9", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const bonus = { ...cashNow.rules[0]!, id: "second", amount: { type: "flat" as const, value: 50_000 } };
    const rules = { ...cashNow, rules: [...cashNow.rules, { ...bonus, milestone: { at: 2 } }] };
    const runWithBonus = async () => {
      const p = await makeProgram({}, { rules });
      await server(p, "PATCH", "/v1/payouts/settings", { methods: ["paypal"] });
      const { member } = await enrol(p, { id: "u1", email: "dana@northwind.test", name: "Dana" });
      await choose(p, member.id, { method: "paypal" });
      const referrals: string[] = [];
      let bonusId = "";
      for (const friend of ["first", "second"]) {
        const conv = await server(p, "POST", "/v1/conversions", {
          email: `${friend}@initech.test`,
          code: member.code,
          value_cents: 9_900,
          currency: "USD",
        });
        referrals.push(conv.json.referral.id);
        bonusId ||=
          (conv.json.rewards as { id: string; rule_id: string }[]).find((r) => r.rule_id === "second")?.id ?? "";
      }
      expect(bonusId).not.toBe("");
      const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
      expect(payout.amount).toBe(70_000);
      // The first friend is refunded while the payout is on its way: the member no longer reaches the milestone.
      const refund = await server(p, "PATCH", `/v1/referrals/${referrals[0]}`, { status: "refunded" });
      expect(refund.res.status).toBe(200);
      expect(await rewardRow(bonusId)).toMatchObject({ state: "approved", payout_id: payout.id });
      return { p, payout, bonusId };
    };

    // Paid: the bonus is paid with the payout, and its clawback nets the member's next payout.
    const paid = await runWithBonus();
    const now = Date.now();
    await advancePayout(e, paid.payout.id, now);
    await paypal.settle({ transaction_status: "SUCCESS" });
    expect(await advancePayout(e, paid.payout.id, now + HOUR)).toMatchObject({ state: "paid" });
    const clawback = await env.DB.prepare("SELECT amount, state, description FROM rewards WHERE clawback_of = ?")
      .bind(paid.bonusId)
      .first<{ amount: number; state: string; description: string }>();
    expect(clawback).toMatchObject({ amount: -50_000, state: "approved" });
    expect(clawback?.description).toContain("recomputed");

    // Failed: the bonus is voided, not given back to the next run.
    const failed = await runWithBonus();
    const broke = fake("paypal");
    await broke.replies([{ status: 422, body: { name: "INSUFFICIENT_FUNDS", message: "Not enough funds." } }]);
    const e2 = envWith({ PAYPAL_CLIENT_ID: "client-10", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: broke.base });
    expect(await advancePayout(e2, failed.payout.id, Date.now())).toMatchObject({ state: "failed" });
    const voided = await env.DB.prepare("SELECT state, void_reason FROM rewards WHERE id = ?")
      .bind(failed.bonusId)
      .first<{ state: string; void_reason: string }>();
    expect(voided?.state).toBe("voided");
    expect(voided?.void_reason).toContain("recomputed");
    const next = await server(failed.p, "POST", "/v1/payouts/runs", {});
    expect(next.json.payouts.map((x: { amount: number }) => x.amount)).toEqual([10_000]);
  });

  it("a take-back that read the reward reserved but writes after its payout was paid still claws it back, once", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-11", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"]);
    const m = members[0]!;
    await choose(p, m.id, { method: "paypal" });
    const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    const now = Date.now();
    await paypal.settle({ transaction_status: "SUCCESS" });
    expect(await advancePayout(e, payout.id, now)).toMatchObject({ state: "paid" });
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "paid" });
    // A recompute (or a rejection, a reattribution) read the reward while it was reserved and decided to void it;
    // its batch lands now, after the payout was paid.
    const clawbacks = () =>
      env.DB.prepare("SELECT amount, description FROM rewards WHERE clawback_of = ?").bind(m.rewardId).all();
    const stale = () => voidStatements(env.DB, [m.rewardId], "recomputed: test", now + 1, true);
    await env.DB.batch(stale());
    await env.DB.batch(stale());
    expect((await clawbacks()).results).toEqual([{ amount: -10_000, description: "Clawback (recomputed: test)" }]);
    // A lost deal's void leaves a paid reward alone, as it always did.
    const other = await programWithEarners(["paypal"]);
    const o = other.members[0]!;
    await env.DB.prepare("UPDATE rewards SET state = 'paid', paid_at = ? WHERE id = ?").bind(now, o.rewardId).run();
    await env.DB.batch(voidStatements(env.DB, [o.rewardId], "lost", now + 1, false));
    expect(await rewardRow(o.rewardId)).toMatchObject({ state: "paid" });
    const none = await env.DB.prepare("SELECT COUNT(*) AS n FROM rewards WHERE clawback_of = ?")
      .bind(o.rewardId)
      .first();
    expect(none).toEqual({ n: 0 });
  });

  it("a resend refused after a timeout needs a person: the rewards stay reserved until released; cancel never races a send", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-6", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"]);
    const m = members[0]!;
    await choose(p, m.id, { method: "paypal" });
    const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    await paypal.replies([
      { status: 503, body: { name: "SERVICE_UNAVAILABLE", message: "Try later" } },
      { status: 422, body: { name: "INSUFFICIENT_FUNDS", message: "Sender does not have sufficient funds." } },
    ]);
    const now = Date.now();
    expect(await advancePayout(e, payout.id, now)).toMatchObject({ state: "queued" });
    // Queued for a retry after an attempt whose outcome is unknown: the vendor cannot cancel it from under a send.
    expect((await server(p, "POST", `/v1/payouts/${payout.id}/cancel`)).json.error.code).toBe("invalid_payout_state");
    expect(await advancePayout(e, payout.id, now + 61_000)).toEqual({ state: "failed" });
    expect((await server(p, "GET", `/v1/payouts/${payout.id}`)).json.payout.failure_code).toBe("needs_review");
    // The first send may have spent the balance: nothing is released, and no run takes the reward again.
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: payout.id });
    expect((await server(p, "POST", "/v1/payouts/runs", {})).json.payouts).toEqual([]);
    // A person checked PayPal and releases it.
    expect((await server(p, "POST", `/v1/payouts/${payout.id}/cancel`)).json.payout.failure_code).toBe("canceled");
    expect(await rewardRow(m.rewardId)).toMatchObject({ state: "approved", payout_id: null });
  });

  it("a fraud rejection or a suspension while the money travels: a clawback once paid, nothing sent before", async () => {
    const paypal = fake("paypal");
    const e = envWith({ PAYPAL_CLIENT_ID: "client-7", PAYPAL_CLIENT_SECRET: "s", PAYPAL_API_URL: paypal.base });
    const { p, members } = await programWithEarners(["paypal"], 2);
    for (const m of members) await choose(p, m.id, { method: "paypal" });
    const [a, b] = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts;
    const now = Date.now();
    expect(await advancePayout(e, a.id, now)).toMatchObject({ state: "processing" });
    await env.DB.prepare("UPDATE referrals SET rejected_at = ? WHERE id = ?").bind(now, members[0]!.referralId).run();
    await paypal.settle({ transaction_status: "SUCCESS" });
    expect(await advancePayout(e, a.id, now + HOUR)).toMatchObject({ state: "paid" });
    const clawback = await env.DB.prepare("SELECT amount, description FROM rewards WHERE clawback_of = ?")
      .bind(members[0]!.rewardId)
      .first<{ amount: number; description: string }>();
    expect(clawback?.amount).toBe(-10_000);
    expect(clawback?.description).toContain("rejected while being paid");
    // Suspended after the run, before the send: nothing goes to PayPal.
    expect((await server(p, "POST", `/v1/members/${b.member_id}/suspend`, { reason: "fraud" })).res.status).toBe(200);
    const before = (await paypal.log()).length;
    expect(await advancePayout(e, b.id, now)).toEqual({ state: "failed" });
    expect((await paypal.log()).length).toBe(before);
    expect((await server(p, "GET", `/v1/payouts/${b.id}`)).json.payout.failure_code).toBe("member_suspended");
  });

  it("only an owner sends money or says where it goes", () => {
    expect(requiredRole("POST", "/v1/payouts/runs")).toBe("owner");
    expect(requiredRole("PATCH", "/v1/payouts/settings")).toBe("owner");
    expect(requiredRole("PUT", "/v1/members/mem_1/payout-method")).toBe("owner");
    expect(requiredRole("POST", "/v1/payouts/pay_1/confirm")).toBe("admin");
    expect(requiredRole("GET", "/v1/payouts")).toBe("viewer");
  });

  it("without PayPal's secrets the payout fails with a sentence saying which", async () => {
    const { p, members } = await programWithEarners(["paypal"]);
    await choose(p, members[0]!.id, { method: "paypal" });
    const payout = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts[0];
    expect(await advancePayout(envWith({}), payout.id, Date.now())).toEqual({ state: "failed" });
    const got = (await server(p, "GET", `/v1/payouts/${payout.id}`)).json.payout;
    expect(got).toMatchObject({ failure_code: "not_configured" });
    expect(got.last_error).toContain("PAYPAL_CLIENT_ID");
  });
});

describe("Tremendous, Wise, account credit and limits", () => {
  it("Tremendous: an EXECUTED order pays at once; a resend returns the same order; 402 is insufficient funds", async () => {
    const t = fake("tremendous");
    const e = envWith({ TREMENDOUS_API_KEY: "TEST_key", TREMENDOUS_API_URL: t.base });
    const { p, members } = await programWithEarners(["tremendous"], 2, {
      tremendous: { products: ["OKMHM2X2OHYV"], campaign_id: null },
    });
    for (const m of members) await choose(p, m.id, { method: "tremendous" });
    const [a, b] = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts;
    await t.replies([{ status: 402, body: { errors: { message: "Insufficient funds in balance", payload: {} } } }]);
    const now = Date.now();
    expect(await advancePayout(e, a.id, now)).toEqual({ state: "failed" });
    expect((await server(p, "GET", `/v1/payouts/${a.id}`)).json.payout.failure_code).toBe("insufficient_funds");
    expect(await advancePayout(e, b.id, now)).toEqual({ state: "paid" });
    const log = await t.log();
    expect(log.at(-1)?.body).toMatchObject({
      external_id: b.id,
      payment: { funding_source_id: "balance" },
      reward: {
        value: { denomination: 100, currency_code: "USD" },
        products: ["OKMHM2X2OHYV"],
        delivery: { method: "EMAIL" },
      },
    });
    const paidB = await rewardRow(members[1]!.rewardId);
    expect(paidB?.state).toBe("paid");
    // A resend of the same payout (external_id) gets Tremendous's 201 with the original order.
    const again = await fetch(`${t.base}/orders`, {
      method: "POST",
      headers: { authorization: "Bearer TEST_key", "content-type": "application/json" },
      body: JSON.stringify(log.at(-1)?.body),
    });
    expect(again.status).toBe(201);
  });

  it("Wise: quote, email recipient, transfer with a stable customerTransactionId, fund from balance, paid when sent", async () => {
    const w = fake("wise");
    const e = envWith({ WISE_API_TOKEN: "wise-token", WISE_PROFILE_ID: "12345", WISE_API_URL: w.base });
    const { p, members } = await programWithEarners(["wise"], 2);
    for (const m of members) await choose(p, m.id, { method: "wise" });
    const [a, b] = (await server(p, "POST", "/v1/payouts/runs", {})).json.payouts;
    const now = Date.now();
    expect(await advancePayout(e, a.id, now)).toMatchObject({ state: "processing" });
    const calls = (await w.log()).map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([
      "POST /v3/profiles/12345/quotes",
      "POST /v1/accounts",
      "POST /v1/transfers",
      expect.stringMatching(/^POST \/v3\/profiles\/12345\/transfers\/\d+\/payments$/),
      expect.stringMatching(/^GET \/v1\/transfers\/\d+$/),
    ]);
    await w.put("balance", { insufficient: true });
    expect(await advancePayout(e, b.id, now)).toEqual({ state: "failed" });
    expect((await server(p, "GET", `/v1/payouts/${b.id}`)).json.payout.failure_code).toBe("insufficient_funds");
    await w.settle({ status: "outgoing_payment_sent" });
    expect(await advancePayout(e, a.id, now + HOUR)).toMatchObject({ state: "paid" });
    expect((await rewardRow(members[0]!.rewardId))?.state).toBe("paid");
    expect((await rewardRow(members[1]!.rewardId))?.state).toBe("approved");
  });

  it("account credit waits for the host's confirmation; minimums and yearly limits say why a member waits", async () => {
    const { p, members } = await programWithEarners(["account_credit", "paypal"], 3, {
      minimum_amounts: { USD: 15_000 },
    });
    await choose(p, members[0]!.id, { method: "account_credit" });
    await choose(p, members[1]!.id, { method: "paypal" });
    const run = await server(p, "POST", "/v1/payouts/runs", { minimum_amount: 5_000 });
    // The program's $150 minimum wins over the run's $50: everybody waits.
    expect(run.json.payouts).toEqual([]);
    expect(run.json.waiting.map((w: { reason: string }) => w.reason).sort()).toEqual([
      "below_minimum",
      "below_minimum",
      "no_method",
    ]);
    await server(p, "PATCH", "/v1/payouts/settings", { minimum_amounts: {}, yearly_limits: { USD: 5_000 } });
    const limited = await server(p, "POST", "/v1/payouts/runs", {});
    expect(limited.json.waiting).toContainEqual({
      member_id: members[0]!.id,
      currency: "USD",
      amount: 10_000,
      reason: "yearly_limit",
      limit: 5_000,
    });
    await server(p, "PATCH", "/v1/payouts/settings", { yearly_limits: {} });
    const run2 = await server(p, "POST", "/v1/payouts/runs", { methods: ["account_credit"] });
    const credit = run2.json.payouts[0];
    expect(credit).toMatchObject({ method: "account_credit", state: "processing", member_id: members[0]!.id });
    expect(run2.json.waiting).toContainEqual(
      expect.objectContaining({ member_id: members[1]!.id, reason: "method_not_selected" }),
    );
    const confirm = await server(p, "POST", `/v1/payouts/${credit.id}/confirm`);
    expect(confirm.json.payout.state).toBe("paid");
    expect((await rewardRow(members[0]!.rewardId))?.state).toBe("paid");
    expect((await server(p, "POST", `/v1/payouts/${credit.id}/cancel`)).json.error.code).toBe("invalid_payout_state");
  });
});

describe("the portal's Getting paid section", () => {
  async function session(p: TestProgram, memberId: string) {
    const { json } = await server(p, "POST", `/v1/members/${memberId}/access-link`, {});
    const res = await SELF.fetch(json.url, { redirect: "manual", headers: { "cf-connecting-ip": "203.0.113.250" } });
    const value = new RegExp(`${PORTAL_COOKIE}=([^;]+)`).exec(res.headers.get("set-cookie") ?? "")?.[1];
    if (!value) throw new Error("no portal cookie");
    return `${PORTAL_COOKIE}=${value}`;
  }
  const page = async (p: TestProgram, cookie: string, query = "") =>
    (await (await SELF.fetch(`${API}/p/${p.slug}/me${query}`, { headers: { cookie } })).text()).replaceAll(
      "\u00a0",
      " ",
    );
  const post = (p: TestProgram, cookie: string, form: Record<string, string>, origin = API) =>
    SELF.fetch(`${API}/p/${p.slug}/me/payout-method`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });

  it("a member picks PayPal without JavaScript, sees what waits and why; another site cannot post the form", async () => {
    const { p, members } = await programWithEarners(["paypal", "wise", "manual"], 1, {
      minimum_amounts: { USD: 15_000 },
    });
    const m = members[0]!;
    const cookie = await session(p, m.id);
    const before = await page(p, cookie);
    expect(before).toContain("Getting paid");
    expect(before).toContain("$100 is ready: choose how you want to be paid to receive it.");
    expect(before).toContain('<input type="radio" name="method" value="paypal" required>');

    const foreign = await post(p, cookie, { method: "paypal", email: "evil@attacker.test" }, "https://attacker.test");
    expect(foreign.status).toBe(403);
    expect((await server(p, "GET", `/v1/members/${m.id}/payout-method`)).json.payout_method).toBeNull();

    const bad = await post(p, cookie, { method: "paypal", email: "not-an-address" });
    expect(bad.headers.get("location")).toBe(`/p/${p.slug}/me?payout=email#payouts`);
    const ok = await post(p, cookie, { method: "paypal", email: "dana.paypal@northwind.test" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/p/${p.slug}/me?payout=saved#payouts`);
    expect((await server(p, "GET", `/v1/members/${m.id}/payout-method`)).json.payout_method).toMatchObject({
      method: "paypal",
      email: "dana.paypal@northwind.test",
    });
    expect(await page(p, cookie)).toContain(
      "$100 is waiting until your rewards reach $150, the program&#39;s minimum payout.",
    );
    await server(p, "PATCH", "/v1/payouts/settings", { minimum_amounts: {} });
    const after = await page(p, cookie, "?payout=saved&lang=de");
    expect(after).toContain("Gespeichert.");
    expect(after).toContain('value="paypal" checked');
    expect(after).toContain("100 $ ist bereit und wird mit der nächsten Auszahlung überwiesen.");
  });
});
