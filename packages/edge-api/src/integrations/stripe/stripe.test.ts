import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, server, type TestProgram } from "../../../test/fixtures";
import { paidInvoice, STRIPE_SECRET, sendStripe, stripeEvent, stripeHeader, stripeObject } from "../../../test/stripe";
import { rulesBodyExample } from "../../openapi/examples";
import { applyStripeEvents, SETTLE_MS } from "./apply";

type Json = Record<string, any>;

async function connected(overrides: Json = {}) {
  const p = await makeProgram({ test_mode: true, ...overrides }, { rules: rulesBodyExample });
  const res = await server(p, "PUT", "/v1/integrations/stripe", { webhook_secret: STRIPE_SECRET });
  expect(res.res.status).toBe(200);
  return p;
}

/** Everything received so far is applied, as the consumer would once the events have settled. */
const settle = (p: TestProgram) => applyStripeEvents(env, { programId: p.id, now: Date.now() + SETTLE_MS + 1 });

async function referralsOf(p: TestProgram) {
  const { json } = await server(p, "GET", "/v1/referrals?limit=200");
  return json.data as Json[];
}

async function visitClick(p: TestProgram, code: string) {
  const visit = await browser(p, "/v1/track/visit", { code });
  return visit.json.click_id as string;
}

describe("Stripe in: signatures, exactly as Stripe checks them", () => {
  it("accepts a genuine event and refuses forgeries, stale ones and unknown programs with clear errors", async () => {
    const p = await connected();
    const event = stripeEvent("customer.created", stripeObject("customer", { id: "cus_sig1", email: "x@acme.test" }));
    const body = JSON.stringify(event);
    expect((await sendStripe(p.id, event, STRIPE_SECRET, { body })).res.status).toBe(200);

    const wrong = await sendStripe(p.id, event, "whsec_someone_elses_secret_123456");
    expect(wrong.res.status).toBe(400);
    expect(wrong.json.error.code).toBe("invalid_stripe_signature");
    const tampered = await sendStripe(p.id, event, STRIPE_SECRET, {
      body: body.replace("x@acme.test", "y@acme.test"),
      header: await stripeHeader(body, STRIPE_SECRET),
    });
    expect(tampered.json.error.code).toBe("invalid_stripe_signature");
    const stale = await sendStripe(p.id, event, STRIPE_SECRET, {
      body,
      header: await stripeHeader(body, STRIPE_SECRET, Math.floor(Date.now() / 1000) - 301),
    });
    expect(stale.json, JSON.stringify(stale.json)).toHaveProperty("error");
    expect(stale.json.error.message).toMatch(/tolerance/i);
    const missing = await sendStripe(p.id, event, STRIPE_SECRET, { body, header: "" });
    expect(missing.json.error.code).toBe("invalid_stripe_signature");
    // While Stripe rolls a secret it sends several v1 signatures: any one that matches will do.
    const genuine = await stripeHeader(body, STRIPE_SECRET);
    const rolled = `${genuine},v1=${"0".repeat(64)}`;
    const second = stripeEvent("customer.created", stripeObject("customer", { id: "cus_sig2" }));
    const secondBody = JSON.stringify(second);
    const rolledHeader = `${(await stripeHeader(secondBody, STRIPE_SECRET)).replace(",v1=", `,v1=${"0".repeat(64)},v1=`)}`;
    expect((await sendStripe(p.id, second, STRIPE_SECRET, { body: secondBody, header: rolledHeader })).res.status).toBe(
      200,
    );
    expect(rolled).toContain("v1=");

    const other = await makeProgram({ test_mode: true });
    const unknown = await sendStripe(other.id, event, STRIPE_SECRET);
    expect(unknown.res.status).toBe(404);
    expect(unknown.json.error.code).toBe("stripe_not_configured");
  });

  it("a retried event changes nothing; unknown types and the wrong mode are acknowledged and ignored", async () => {
    const p = await connected();
    const event = stripeEvent("customer.created", stripeObject("customer", { id: "cus_retry", email: "r@acme.test" }));
    const first = await sendStripe(p.id, event, STRIPE_SECRET);
    expect(first.json).toMatchObject({ received: true, id: event.id, customer: "cus_retry" });
    const again = await sendStripe(p.id, event, STRIPE_SECRET);
    expect(again.json).toEqual({ received: true, id: event.id, type: "customer.created", duplicate: true });
    const plan = await sendStripe(p.id, stripeEvent("plan.created", {}), STRIPE_SECRET);
    expect(plan.res.status).toBe(200);
    expect(plan.json.ignored).toMatch(/does not use plan.created/);
    const live = await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_live", customer: "cus_retry", amount: 100, first: true }), {
        livemode: true,
      }),
      STRIPE_SECRET,
    );
    expect(live.json.ignored).toMatch(/live-mode event for a test-mode program/);
    const { results } = await env.DB.prepare("SELECT id FROM stripe_events WHERE program_id = ?").bind(p.id).all();
    expect(results).toHaveLength(1);
  });
});

describe("Stripe in: conversions with no code on the vendor's server", () => {
  it("checkout with the tracker's click id, first invoice, renewals, refund: the referral follows, rewards too", async () => {
    const p = await connected();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const click = await visitClick(p, member.code);
    const customer = "cus_flow1";
    const t = Math.floor(Date.now() / 1000);
    // Stripe's usual order for a subscription checkout: the invoice is paid before the session completes.
    const events = [
      stripeEvent("invoice.paid", paidInvoice({ id: "in_first", customer, amount: 9_900, first: true }), {
        created: t,
      }),
      stripeEvent(
        "checkout.session.completed",
        stripeObject("checkout.session", {
          id: "cs_test_flow1",
          mode: "subscription",
          payment_status: "paid",
          customer,
          client_reference_id: click,
          customer_details: { email: "sam@initech.test" },
          amount_total: 9_900,
          currency: "usd",
        }),
        { created: t + 1 },
      ),
    ];
    for (const e of events) expect((await sendStripe(p.id, e, STRIPE_SECRET)).res.status).toBe(200);
    // Nothing happens on the request: events wait to settle.
    expect(await referralsOf(p)).toEqual([]);
    expect((await settle(p)).applied).toBe(2);
    let [referral] = await referralsOf(p);
    expect(referral).toMatchObject({
      status: "converted",
      member_id: member.id,
      click_id: click,
      external_customer_id: customer,
      value_cents: 9_900,
      currency: "USD",
      plan: "price_pro_monthly",
      friend: { email: "sam@initech.test" },
    });
    // The rules' rewards: the friend's credit (approved) and the member's (14-day hold).
    const { json: rewards } = await server(p, "GET", `/v1/rewards?referral_id=${referral!.id}`);
    expect(rewards.data.map((r: Json) => r.state).sort()).toEqual(["approved", "pending"]);

    await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_second", customer, amount: 9_900, first: false }), {
        created: t + 100,
      }),
      STRIPE_SECRET,
    );
    await settle(p);
    [referral] = await referralsOf(p);
    expect(referral?.status).toBe("renewed");

    const refund = stripeObject("charge", {
      id: "ch_flow1",
      customer,
      refunded: true,
      amount_refunded: 9_900,
      amount: 9_900,
    });
    await sendStripe(p.id, stripeEvent("charge.refunded", refund, { created: t + 200 }), STRIPE_SECRET);
    await settle(p);
    [referral] = await referralsOf(p);
    expect(referral?.status).toBe("refunded");
    const { json: after } = await server(p, "GET", `/v1/rewards?referral_id=${referral!.id}`);
    expect(after.data.find((r: Json) => r.recipient === "member").state).toBe("voided");

    const status = await server(p, "GET", "/v1/integrations/stripe");
    expect(status.json).toMatchObject({ configured: true, received: 4, waiting: 0, unattributed: 0 });
    expect(status.json.webhook_url).toBe(`https://api.vouch.test/v1/integrations/stripe/${p.id}`);
    expect(
      status.json.recent.map((e: Json) => e.outcome),
      JSON.stringify(status.json.recent),
    ).toEqual([
      `refunded: ${referral!.id}`,
      `renewed: ${referral!.id}`,
      "attributed",
      `lead, converted: ${referral!.id}`, // applied first: ties the customer to the member
    ]);
  });

  it("attributes by the code in a customer's metadata, by a subscription's metadata, and by a lead's email", async () => {
    const p = await connected();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const t = Math.floor(Date.now() / 1000);
    // 1. Customer metadata.
    await sendStripe(
      p.id,
      stripeEvent(
        "customer.created",
        stripeObject("customer", { id: "cus_meta", email: "a@alpha.test", metadata: { vouch_code: member.code } }),
        { created: t },
      ),
      STRIPE_SECRET,
    );
    await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_meta", customer: "cus_meta", amount: 500, first: true }), {
        created: t + 1,
      }),
      STRIPE_SECRET,
    );
    // 2. The subscription's metadata, carried on its invoice.
    await sendStripe(
      p.id,
      stripeEvent(
        "invoice.paid",
        paidInvoice({
          id: "in_sub",
          customer: "cus_sub",
          amount: 700,
          first: true,
          email: "b@beta.test",
          metadata: { vouch_code: member.code },
        }),
        { created: t + 2 },
      ),
      STRIPE_SECRET,
    );
    // 3. A lead from the sign-up form, then a Stripe customer with the same address (another spelling).
    expect((await browser(p, "/v1/track/lead", { code: member.code, email: "Carla@Gamma.test" })).res.status).toBe(202);
    await sendStripe(
      p.id,
      stripeEvent(
        "invoice.paid",
        paidInvoice({ id: "in_lead", customer: "cus_lead", amount: 900, first: true, email: "carla@gamma.test" }),
        { created: t + 3 },
      ),
      STRIPE_SECRET,
    );
    // 4. Nobody referred this one: acknowledged, nothing created.
    await sendStripe(
      p.id,
      stripeEvent(
        "invoice.paid",
        paidInvoice({ id: "in_nobody", customer: "cus_nobody", amount: 900, first: true, email: "z@zeta.test" }),
        { created: t + 4 },
      ),
      STRIPE_SECRET,
    );
    await settle(p);
    const byCustomer = Object.fromEntries((await referralsOf(p)).map((r) => [r.external_customer_id, r]));
    expect(byCustomer.cus_meta).toMatchObject({ status: "converted", value_cents: 500, member_id: member.id });
    expect(byCustomer.cus_sub).toMatchObject({ status: "converted", value_cents: 700 });
    expect(byCustomer.cus_lead).toMatchObject({ status: "converted", value_cents: 900, source: "form" });
    expect(byCustomer.cus_nobody).toBeUndefined();
    expect(Object.keys(byCustomer)).toHaveLength(3);
  });

  it("a payment that arrives before anything says who referred the customer counts once it does", async () => {
    const p = await connected();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const t = Math.floor(Date.now() / 1000);
    await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_early", customer: "cus_late", amount: 1_200, first: true }), {
        created: t,
      }),
      STRIPE_SECRET,
    );
    await settle(p);
    expect(await referralsOf(p)).toEqual([]);
    // Hours later the vendor adds the code to the customer in Stripe.
    await sendStripe(
      p.id,
      stripeEvent(
        "customer.updated",
        stripeObject("customer", { id: "cus_late", email: "late@delta.test", metadata: { vouch_code: member.code } }),
        { created: t + 3_600 },
      ),
      STRIPE_SECRET,
    );
    await settle(p);
    const [referral] = await referralsOf(p);
    expect(referral).toMatchObject({ status: "converted", value_cents: 1_200, external_customer_id: "cus_late" });
  });

  it("the vendor's server reporting the same invoice too counts it once", async () => {
    const p = await connected();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const conv = await server(p, "POST", "/v1/conversions", {
      email: "e@epsilon.test",
      external_customer_id: "cus_both",
      code: member.code,
      value_cents: 900,
      currency: "USD",
    });
    expect(conv.res.status).toBe(201);
    const renewal = await server(p, "PATCH", `/v1/referrals/${conv.json.referral.id}`, {
      status: "renewed",
      value_cents: 900,
      currency: "USD",
      invoice_id: "in_both",
    });
    expect(renewal.res.status).toBe(200);
    await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_both", customer: "cus_both", amount: 900, first: false })),
      STRIPE_SECRET,
    );
    await settle(p);
    const { json } = await server(p, "GET", `/v1/referrals/${conv.json.referral.id}`);
    expect(json.events.filter((e: Json) => e.to === "renewed")).toHaveLength(1);
    const status = await server(p, "GET", "/v1/integrations/stripe");
    expect(status.json.recent[0].outcome).toBe("already recorded (invoice:in_both)");
  });

  it("a cancelled subscription is churn; a partial refund changes nothing", async () => {
    const p = await connected();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const t = Math.floor(Date.now() / 1000);
    await sendStripe(
      p.id,
      stripeEvent(
        "customer.created",
        stripeObject("customer", { id: "cus_churn", email: "f@phi.test", metadata: { vouch_code: member.code } }),
        { created: t },
      ),
      STRIPE_SECRET,
    );
    await sendStripe(
      p.id,
      stripeEvent("invoice.paid", paidInvoice({ id: "in_churn", customer: "cus_churn", amount: 2_000, first: true }), {
        created: t + 1,
      }),
      STRIPE_SECRET,
    );
    await sendStripe(
      p.id,
      stripeEvent(
        "charge.refunded",
        stripeObject("charge", { id: "ch_part", customer: "cus_churn", refunded: false, amount_refunded: 500 }),
        { created: t + 2 },
      ),
      STRIPE_SECRET,
    );
    await sendStripe(
      p.id,
      stripeEvent(
        "customer.subscription.deleted",
        stripeObject("subscription", { id: "sub_churn", customer: "cus_churn", status: "canceled" }),
        { created: t + 3 },
      ),
      STRIPE_SECRET,
    );
    await settle(p);
    const [referral] = await referralsOf(p);
    expect(referral?.status).toBe("lost");
    const { json } = await server(p, "GET", `/v1/referrals/${referral!.id}`);
    expect(json.events.map((e: Json) => e.to)).toEqual(["lead", "converted", "lost"]);
  });
});
