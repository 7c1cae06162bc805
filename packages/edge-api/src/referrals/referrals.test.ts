import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, landedVisits, makeProgram, server, type TestProgram } from "../../test/fixtures";

/** One cash reward per conversion, so a double count would show in the ledger too. */
async function putRewardRules(p: TestProgram) {
  const { res } = await server(p, "PUT", "/v1/reward-rules", {
    rules: [
      {
        id: "bounty",
        trigger: "converted",
        recipient: "member",
        kind: "cash",
        amount: { type: "flat", value: 5000 },
        currency: "EUR",
      },
    ],
  });
  expect(res.status).toBeLessThan(300);
}

async function leadFor(p: TestProgram, email = "pat@globex.test") {
  const me = await enrol(p, { id: `u-${crypto.randomUUID()}`, email: "dana@northwind.test" });
  const visit = await browser(p, "/v1/track/visit", { code: me.member.code });
  const lead = await browser(p, "/v1/track/lead", { email, click_id: visit.json.click_id });
  expect(lead.res.status).toBe(202);
  // The browser is told nothing about the referral; the vendor's server finds it by the friend's address.
  const found = await server(p, "GET", `/v1/referrals?email=${encodeURIComponent(email)}`);
  return { me, clickId: visit.json.click_id as string, referral: found.json.data[0] };
}

describe("POST /v1/conversions", () => {
  it("converts an existing lead matched by email, with plan and value", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p);
    const { res, json } = await server(p, "POST", "/v1/conversions", {
      email: "PAT@globex.test",
      external_customer_id: "cus_123",
      plan: "growth",
      value_cents: 49_900,
      currency: "usd",
    });
    expect(res.status).toBe(200);
    expect(json.referral).toMatchObject({
      id: referral.id,
      status: "converted",
      plan: "growth",
      value_cents: 49_900,
      currency: "USD",
      external_customer_id: "cus_123",
    });
    expect(json.events.map((e: any) => [e.from, e.to])).toEqual([["lead", "converted"]]);
  });

  it("creates and converts a referral from a click id when no lead was recorded", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const visit = await browser(p, "/v1/track/visit", { code: me.member.code, campaign: "launch" });
    await landedVisits(p.id, 1); // a purchase comes long after the visit has landed
    const { res, json } = await server(p, "POST", "/v1/conversions", {
      email: "new@initech.test",
      click_id: visit.json.click_id,
    });
    expect(res.status).toBe(201);
    expect(json.referral).toMatchObject({
      member_id: me.member.id,
      status: "converted",
      source: "conversion",
      campaign: "launch",
    });
    expect(json.events.map((e: any) => e.to)).toEqual(["lead", "converted"]);
  });

  it("matches by external customer id, then by code", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p, "ext@globex.test");
    await server(p, "POST", "/v1/conversions", {
      email: "ext@globex.test",
      external_customer_id: "cus_9",
      status: "qualified",
    });
    const byId = await server(p, "POST", "/v1/conversions", { external_customer_id: "cus_9" });
    expect(byId.json.referral).toMatchObject({ id: referral.id, status: "converted" });
    const me = await enrol(p, { id: "coder" });
    const byCode = await server(p, "POST", "/v1/conversions", { email: "c@hooli.test", code: me.member.code });
    expect(byCode.res.status).toBe(201);
    expect(byCode.json.referral.member_id).toBe(me.member.id);
  });

  it("treats a repeated conversion without a key as a no-op", async () => {
    const p = await makeProgram();
    await leadFor(p);
    const first = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test" });
    const second = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test" });
    expect(first.json.changed).toBe(true);
    expect(second.res.status).toBe(200);
    expect(second.json.changed).toBe(false);
    const events = await server(p, "GET", `/v1/referrals/${first.json.referral.id}`);
    expect(events.json.events.map((e: any) => e.to)).toEqual(["lead", "converted"]);
  });

  it("turns the same Idempotency-Key sent 50 times (25 at once, then 25 in a row) into one conversion", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    await putRewardRules(p);
    const body = { email: "idem@globex.test", code: me.member.code, value_cents: 1000, currency: "EUR" };
    const key = { "idempotency-key": "stripe_in_1" };
    const burst = await Promise.all(Array.from({ length: 25 }, () => server(p, "POST", "/v1/conversions", body, key)));
    expect(burst.map((r) => r.res.status)).toEqual(Array(25).fill(201));
    const first = burst.find((r) => r.res.headers.get("idempotent-replayed") === null);
    expect(first).toBeDefined();
    for (const r of burst) expect(r.json).toEqual(first?.json);
    for (let i = 0; i < 25; i++) {
      const again = await server(p, "POST", "/v1/conversions", body, key);
      expect(again.res.status).toBe(201);
      expect(again.res.headers.get("idempotent-replayed")).toBe("true");
      expect(again.json).toEqual(first?.json);
    }
    const counts = await env.DB.prepare(
      `SELECT COUNT(*) AS referrals,
         (SELECT COUNT(*) FROM events WHERE program_id = ?1 AND to_status = 'converted') AS conversions,
         (SELECT COUNT(*) FROM rewards WHERE program_id = ?1) AS rewards
       FROM referrals WHERE program_id = ?1`,
    )
      .bind(p.id)
      .first<{ referrals: number; conversions: number; rewards: number }>();
    expect(counts).toEqual({ referrals: 1, conversions: 1, rewards: 1 });
  });

  it("refuses a reused key with a different body", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    await server(
      p,
      "POST",
      "/v1/conversions",
      { email: "a@globex.test", code: me.member.code },
      { "idempotency-key": "k" },
    );
    const reused = await server(
      p,
      "POST",
      "/v1/conversions",
      { email: "b@globex.test", code: me.member.code },
      { "idempotency-key": "k" },
    );
    expect(reused.res.status).toBe(422);
    expect(reused.json.error.code).toBe("idempotency_key_reused");
  });

  it("refuses a conversion it cannot attribute, and a self-referral", async () => {
    const p = await makeProgram();
    const none = await server(p, "POST", "/v1/conversions", { email: "who@globex.test" });
    expect(none.res.status).toBe(422);
    expect(none.json.error.code).toBe("no_attribution");
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const self = await server(p, "POST", "/v1/conversions", { email: "dana@northwind.test", code: me.member.code });
    expect(self.json.error.code).toBe("self_referral");
    const onlyId = await server(p, "POST", "/v1/conversions", { external_customer_id: "cus_unknown" });
    expect(onlyId.res.status).toBe(422);
    expect(onlyId.json.error.details[0].path).toBe("email");
  });
});

describe("PATCH /v1/referrals/:id", () => {
  it("walks lead → qualified → converted → renewed → renewed → lost, each an event", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p);
    for (const [i, status] of ["qualified", "converted", "renewed", "renewed", "lost"].entries()) {
      // Each renewal names its invoice, so a retried one is never a second renewal.
      const invoice = status === "renewed" ? { invoice_id: `in_${i}` } : {};
      const { res, json } = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status, ...invoice });
      expect(res.status, status).toBe(200);
      expect(json.referral.status).toBe(status);
    }
    const { json } = await server(p, "GET", `/v1/referrals/${referral.id}`);
    expect(json.events.map((e: any) => `${e.from}>${e.to}`)).toEqual([
      "null>lead",
      "lead>qualified",
      "qualified>converted",
      "converted>renewed",
      "renewed>renewed",
      "renewed>lost",
    ]);
    expect(json.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("answers a replayed status change from the stored response, not from today's state", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p);
    const key = { "idempotency-key": "crm-deal-7-won" };
    const first = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "converted" }, key);
    expect(first.res.status).toBe(200);
    // converted → converted would be an illegal transition; the replay must not even look.
    const replay = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "converted" }, key);
    expect(replay.res.status).toBe(200);
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(first.json);
    const { json } = await server(p, "GET", `/v1/referrals/${referral.id}`);
    expect(json.events.map((e: any) => e.to)).toEqual(["lead", "converted"]);
  });

  it("refuses illegal transitions with the allowed ones in details", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p);
    const skip = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "renewed", invoice_id: "in_1" });
    expect(skip.res.status).toBe(409);
    expect(skip.json.error).toMatchObject({
      code: "invalid_transition",
      details: { from: "lead", to: "renewed", allowed: ["qualified", "converted", "lost"] },
    });
    await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "converted" });
    await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "refunded" });
    const afterRefund = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "converted" });
    expect(afterRefund.json.error.code).toBe("invalid_transition");
    const unknown = await server(p, "PATCH", "/v1/referrals/ref_nope", { status: "lost" });
    expect(unknown.res.status).toBe(404);
    expect(unknown.json.error.code).toBe("referral_not_found");
    const bad = await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "won" });
    expect(bad.res.status).toBe(422);
  });

  it("racing renewals each land as their own event or are told to retry: none lost, none doubled", async () => {
    const p = await makeProgram();
    const { referral } = await leadFor(p);
    await server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "converted" });
    const renewals = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server(p, "PATCH", `/v1/referrals/${referral.id}`, { status: "renewed" }, { "idempotency-key": `inv_${i}` }),
      ),
    );
    expect(renewals.every((r) => r.res.status === 200 || r.json?.error?.code === "conflict")).toBe(true);
    const ok = renewals.filter((r) => r.res.status === 200).length;
    const { json } = await server(p, "GET", `/v1/referrals/${referral.id}`);
    const renewedEvents = json.events.filter((e: any) => e.to === "renewed");
    expect(renewedEvents).toHaveLength(ok);
    expect(new Set(json.events.map((e: any) => e.seq)).size).toBe(json.events.length);
  });

  it("lists referrals by status and member", async () => {
    const p = await makeProgram();
    const a = await leadFor(p, "a@globex.test");
    await leadFor(p, "b@globex.test");
    await server(p, "PATCH", `/v1/referrals/${a.referral.id}`, { status: "qualified" });
    const qualified = await server(p, "GET", "/v1/referrals?status=qualified");
    expect(qualified.json.data.map((r: any) => r.id)).toEqual([a.referral.id]);
    const mine = await server(p, "GET", `/v1/referrals?member_id=${a.me.member.id}`);
    expect(mine.json.data).toHaveLength(1);
  });
});

describe("what a conversion answers", () => {
  it("lists the rewards it earned", async () => {
    const p = await makeProgram();
    await putRewardRules(p);
    const me = await enrol(p, { id: "u1" });
    const { json } = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", code: me.member.code });
    expect(json.rewards).toEqual([
      expect.objectContaining({ recipient: "member", rule_id: "bounty", kind: "cash", amount: 5000, currency: "EUR" }),
    ]);
    const [stored] = (await server(p, "GET", `/v1/rewards?referral_id=${json.referral.id}`)).json.data;
    expect(json.rewards[0].id).toBe(stored.id);
    const again = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test" });
    expect(again.json).toMatchObject({ changed: false, rewards: [] });
  });

  it("lets a billing hook send every payment: nobody's customer is a 200 with no referral", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    for (const body of [
      { email: "walk-in@globex.test" },
      { external_customer_id: "cus_nobody" },
      { email: "typo@globex.test", code: "NOSUCHCODE" },
    ]) {
      const strict = await server(p, "POST", "/v1/conversions", body);
      expect(strict.res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      const lenient = await server(p, "POST", "/v1/conversions", { ...body, if_unattributed: "ignore" });
      expect(lenient.res.status).toBe(200);
      expect(lenient.json).toEqual({ referral: null, events: [], rewards: [], changed: false });
    }
    // A referred customer is still converted when the hook sends everything.
    const referred = await server(p, "POST", "/v1/conversions", {
      email: "pat@globex.test",
      code: me.member.code,
      if_unattributed: "ignore",
    });
    expect(referred.res.status).toBe(201);
    expect(referred.json.referral.member_id).toBe(me.member.id);
  });
});
