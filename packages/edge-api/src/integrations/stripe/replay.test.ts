import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { browser, enrol, makeProgram, server, type TestProgram } from "../../../test/fixtures";
import { paidInvoice, STRIPE_SECRET, sendStripe, stripeEvent, stripeObject } from "../../../test/stripe";
import type { RulesetInput } from "../../rewards/schema";
import { applyStripeEvents, SETTLE_MS } from "./apply";

type Json = Record<string, any>;

/**
 * Stripe retries for days and never promises order. 500 deliveries (about 20 % of them repeats), shuffled,
 * must leave exactly the referrals, events and rewards that one clean pass in Stripe's order leaves.
 */

const RULES = {
  rules: [
    {
      id: "friend",
      trigger: "converted",
      recipient: "friend",
      kind: "account_credit",
      amount: { type: "flat", value: 5_000 },
      currency: "USD",
    },
    {
      id: "member",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 10_000 },
      currency: "USD",
      hold_days: 14,
    },
    {
      id: "renewals",
      trigger: "renewed",
      recipient: "member",
      kind: "cash",
      amount: { type: "percent", percent: 10 },
      currency: "USD",
      max_occurrences: 2,
    },
  ],
  approval: "auto",
} as unknown as RulesetInput;
// Velocity limits decide by arrival order which referral trips them, so they are out of this comparison.
const FRAUD = {
  member_velocity: { max_per_hour: 10_000 },
  daily_lead_cap: { max_per_day: 100_000 },
  visitor_velocity: { max_per_day: 10_000 },
};

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Script {
  customer: string;
  email: string;
  member: number;
  via: "click" | "code" | "lead" | "nobody";
  renewals: number;
  end: "refund" | "cancel" | "none";
  at: number;
}

function script(rand: () => number, count: number, start: number): Script[] {
  const vias = ["click", "code", "lead", "nobody"] as const;
  return Array.from({ length: count }, (_, i) => ({
    customer: `cus_bulk${String(i).padStart(4, "0")}`,
    email: `buyer${i}@firm${i}.test`,
    member: Math.floor(rand() * 8),
    via: vias[i % 4] as Script["via"],
    renewals: Math.floor(rand() * 4),
    end: rand() < 0.15 ? "refund" : rand() < 0.2 ? "cancel" : "none",
    at: start + i * 7,
  }));
}

const MONTH = 30 * 86_400;

/** The program's events for the script, in Stripe's order; click ids and codes are the program's own. */
async function eventsFor(p: TestProgram, plan: Script[]) {
  const members: { id: string; code: string }[] = [];
  for (let m = 0; m < 8; m++) members.push((await enrol(p, { id: `m${m}`, email: `member${m}@ledgerly.test` })).member);
  const events: Json[] = [];
  for (const c of plan) {
    const member = members[c.member] as { code: string };
    if (c.via === "lead") {
      expect((await browser(p, "/v1/track/lead", { code: member.code, email: c.email })).res.status).toBe(202);
    }
    const click =
      c.via === "click" ? ((await browser(p, "/v1/track/visit", { code: member.code })).json.click_id as string) : null;
    const metadata = c.via === "code" ? { vouch_code: member.code } : {};
    const id = (kind: string) => `evt_${kind}_${c.customer}`;
    events.push(
      stripeEvent("customer.created", stripeObject("customer", { id: c.customer, email: c.email, metadata }), {
        id: id("cust"),
        created: c.at,
      }),
      stripeEvent(
        "checkout.session.completed",
        stripeObject("checkout.session", {
          id: `cs_test_${c.customer}`,
          mode: "subscription",
          payment_status: "paid",
          customer: c.customer,
          client_reference_id: click,
          customer_details: { email: c.email },
        }),
        { id: id("cs"), created: c.at + 1 },
      ),
      // Stripe's own order: the first invoice is often paid in the same second as the checkout.
      stripeEvent(
        "invoice.paid",
        paidInvoice({ id: `in_${c.customer}_0`, customer: c.customer, amount: 4_900, first: true }),
        { id: id("in0"), created: c.at + 1 },
      ),
    );
    for (let r = 1; r <= c.renewals; r++) {
      events.push(
        stripeEvent(
          "invoice.paid",
          paidInvoice({ id: `in_${c.customer}_${r}`, customer: c.customer, amount: 4_900, first: false }),
          { id: id(`in${r}`), created: c.at + r * MONTH },
        ),
      );
    }
    const last = c.at + (c.renewals + 1) * MONTH;
    if (c.end === "refund") {
      events.push(
        stripeEvent(
          "charge.refunded",
          stripeObject("charge", {
            id: `ch_${c.customer}`,
            customer: c.customer,
            refunded: true,
            amount_refunded: 4_900,
          }),
          { id: id("refund"), created: last },
        ),
      );
    } else if (c.end === "cancel") {
      events.push(
        stripeEvent(
          "customer.subscription.deleted",
          stripeObject("subscription", { id: `sub_${c.customer}`, customer: c.customer, status: "canceled" }),
          { id: id("cancel"), created: last },
        ),
      );
    }
  }
  return events.sort((a, b) => a.created - b.created);
}

/** The program's ledger with its own ids replaced by what both programs share (member ids, friend emails). */
async function ledger(p: TestProgram) {
  const db = env.DB;
  const referrals = await db
    .prepare(
      `SELECT m.external_id AS member, r.friend_email, r.status, r.value_cents, r.currency, r.plan, r.external_customer_id, r.source
       FROM referrals r JOIN members m ON m.id = r.member_id WHERE r.program_id = ? ORDER BY r.friend_email`,
    )
    .bind(p.id)
    .all();
  const events = await db
    .prepare(
      `SELECT r.friend_email, e.seq, e.from_status, e.to_status, e.value_cents, e.idempotency_key
       FROM events e JOIN referrals r ON r.id = e.referral_id WHERE e.program_id = ? ORDER BY r.friend_email, e.seq`,
    )
    .bind(p.id)
    .all();
  const rewards = await db
    .prepare(
      `SELECT m.external_id AS member, r.friend_email, w.recipient, w.rule_id, w.kind, w.amount, w.state
       FROM rewards w JOIN referrals r ON r.id = w.referral_id JOIN members m ON m.id = w.member_id
       WHERE w.program_id = ? ORDER BY r.friend_email, w.rule_id, w.amount, w.state`,
    )
    .bind(p.id)
    .all();
  return { referrals: referrals.results, events: events.results, rewards: rewards.results };
}

it("500 Stripe deliveries, about 20 % of them repeats, in any order, change exactly what one clean pass changes", async () => {
  const rand = random(20261201);
  const start = Math.floor(Date.now() / 1000) - 400 * 86_400;
  const plan = script(rand, 82, start);
  const clean = await makeProgram({ test_mode: true, fraud_rules: FRAUD } as Json, { rules: RULES });
  const shuffled = await makeProgram({ test_mode: true, fraud_rules: FRAUD } as Json, { rules: RULES });
  for (const p of [clean, shuffled]) {
    expect((await server(p, "PUT", "/v1/integrations/stripe", { webhook_secret: STRIPE_SECRET })).res.status).toBe(200);
  }

  // One clean pass: each event once, in Stripe's order, applied as soon as it settles.
  const cleanEvents = await eventsFor(clean, plan);
  expect(cleanEvents.length).toBeGreaterThan(360);
  for (const e of cleanEvents) {
    expect((await sendStripe(clean.id, e, STRIPE_SECRET)).res.status).toBe(200);
    await applyStripeEvents(env, { programId: clean.id, now: Date.now() + SETTLE_MS + 1 });
  }

  // The same history as Stripe may deliver it: repeats until there are 500 deliveries, shuffled.
  const events = await eventsFor(shuffled, plan);
  const deliveries = [...events];
  while (deliveries.length < 500) deliveries.push(events[Math.floor(rand() * events.length)] as Json);
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as Json, deliveries[i] as Json];
  }
  const repeats = deliveries.length - events.length;
  expect(repeats / deliveries.length).toBeGreaterThan(0.15);
  expect(repeats / deliveries.length).toBeLessThan(0.25);
  let duplicates = 0;
  for (const e of deliveries) {
    const { res, json } = await sendStripe(shuffled.id, e, STRIPE_SECRET);
    expect(res.status).toBe(200);
    if (json.duplicate) duplicates++;
  }
  expect(duplicates).toBe(repeats);
  let applied = 0;
  for (;;) {
    const round = await applyStripeEvents(env, { programId: shuffled.id, now: Date.now() + SETTLE_MS + 1, limit: 50 });
    applied += round.applied;
    if (round.applied === 0) break;
  }
  expect(applied).toBeGreaterThanOrEqual(events.length);

  const [a, b] = [await ledger(clean), await ledger(shuffled)];
  expect(a.referrals.length).toBe(plan.filter((c) => c.via !== "nobody").length);
  expect(a.rewards.length).toBeGreaterThan(100);
  expect(b).toEqual(a);
  // Nobody-referred customers left no trace beyond their acknowledged events.
  const unattributed = await env.DB.prepare(
    "SELECT COUNT(DISTINCT customer) AS n FROM stripe_events WHERE program_id = ? AND outcome = 'unattributed'",
  )
    .bind(shuffled.id)
    .first<{ n: number }>();
  expect(unattributed?.n).toBe(plan.filter((c) => c.via === "nobody").length);
}, 180_000);
