import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, referralOf, server, type TestProgram } from "../../test/fixtures";
import { type ExpectedReward, ledgerLines, SEED_PROGRAMS } from "../../test/seed-programs";
import worker from "../index";
import { drawRaffle, monthOf } from "./raffle";
import type { RulesetInput } from "./schema";

type Json = Record<string, any>;

async function putRules(p: TestProgram, rules: RulesetInput & { expected_version?: number }) {
  const { res, json } = await server(p, "PUT", "/v1/reward-rules", rules);
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function member(p: TestProgram, id: string) {
  const { res, json } = await server(p, "POST", "/v1/members", {
    id,
    email: `${id}@member-co.test`,
    name: `Member ${id}`,
  });
  expect(res.status).toBe(201);
  return json.member as { id: string; code: string };
}

async function convert(
  p: TestProgram,
  code: string,
  friend: string,
  extra: Json = {},
  headers: Record<string, string> = {},
) {
  const { res, json } = await server(
    p,
    "POST",
    "/v1/conversions",
    { email: `${friend}@friend-${friend}.test`, code, ...extra },
    headers,
  );
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function rewards(p: TestProgram, query = ""): Promise<Json[]> {
  const { res, json } = await server(p, "GET", `/v1/rewards?limit=200${query}`);
  expect(res.status).toBe(200);
  return json.data;
}

const flat = (value: number) => ({ type: "flat" as const, value });
const bounty = (value: number, extra: Json = {}) => ({
  id: "bounty",
  trigger: "converted" as const,
  recipient: "member" as const,
  kind: "cash" as const,
  amount: flat(value),
  currency: "USD",
  ...extra,
});

describe("the seed's programs through the API and D1", () => {
  for (const program of SEED_PROGRAMS.filter((s) => s.api)) {
    it(program.name, async () => {
      const p = await makeProgram();
      await putRules(p, program.rules);
      const members = new Map<string, { id: string; code: string }>();
      const refIds = new Map<string, string>();
      for (const step of program.steps) {
        const memberKey = step.member ?? "m1";
        let m = members.get(memberKey);
        if (!m) {
          m = await member(p, memberKey);
          members.set(memberKey, m);
        }
        const email = `${step.ref}@friend-${step.ref}.test`;
        const deal = { plan: step.plan, value_cents: step.value_cents, currency: step.currency };
        const id = refIds.get(step.ref);
        if (!id && step.to === "lead") {
          const { res } = await browser(p, "/v1/track/lead", { email, code: m.code });
          expect(res.status).toBe(202);
          refIds.set(step.ref, (await referralOf(p, email)).id);
        } else if (!id) {
          const json = await convert(p, m.code, step.ref, { status: step.to, ...deal });
          refIds.set(step.ref, json.referral.id);
        } else {
          // A renewal names its invoice (here, the step), so a retry could never pay twice.
          const invoice = step.to === "renewed" ? { invoice_id: `in_${step.ref}_${step.at}` } : {};
          const { res, json } = await server(p, "PATCH", `/v1/referrals/${id}`, {
            status: step.to,
            ...deal,
            ...invoice,
          });
          expect(res.status, JSON.stringify(json)).toBe(200);
        }
      }
      const refOf = new Map([...refIds].map(([ref, id]) => [id, ref]));
      const ledger = (await rewards(p)).map(
        (r): ExpectedReward => [refOf.get(r.referral_id) ?? "?", r.rule.id, r.amount, r.currency, r.state],
      );
      expect(ledgerLines(ledger)).toEqual(ledgerLines(program.expected));
      for (const [key, percent] of Object.entries(program.discount ?? {})) {
        const m = members.get(key);
        const { json } = await server(p, "GET", `/v1/members/${m?.id}/discount`);
        expect(json.discount_percent, `discount of ${key}`).toBe(percent);
      }
    });
  }
});

describe("reward rules", () => {
  it("start empty, save as versions, refuse stale writes and invalid rules", async () => {
    const p = await makeProgram();
    const empty = await server(p, "GET", "/v1/reward-rules");
    expect(empty.json.rules).toMatchObject({ version: 0, rules: [], approval: "auto" });

    const first = await putRules(p, { rules: [bounty(5000)] });
    expect(first).toMatchObject({ created: true, rules: { version: 1 } });
    const same = await server(p, "PUT", "/v1/reward-rules", { rules: [bounty(5000)] });
    expect(same.res.status).toBe(200);
    expect(same.json).toMatchObject({ created: false, rules: { version: 1 } });

    const stale = await server(p, "PUT", "/v1/reward-rules", { rules: [bounty(6000)], expected_version: 0 });
    expect(stale.res.status).toBe(409);
    expect(stale.json.error.code).toBe("rules_version_conflict");

    const invalid = await server(p, "PUT", "/v1/reward-rules", {
      rules: [
        { ...bounty(5000), currency: undefined },
        { ...bounty(1), id: "renew", trigger: "renewed", milestone: { at: 2 } },
      ],
    });
    expect(invalid.res.status).toBe(422);
    const paths = invalid.json.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["rules.0.currency", "rules.1.trigger"]));

    await putRules(p, { rules: [bounty(6000)], expected_version: 1 });
    const versions = await server(p, "GET", "/v1/reward-rules/versions");
    expect(versions.json.data.map((v: Json) => v.version)).toEqual([2, 1]);
    const v1 = await server(p, "GET", "/v1/reward-rules/versions/1");
    expect(v1.json.rules.rules[0].amount.value).toBe(5000);
  });

  it("a change never rewrites rewards already earned", async () => {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, { rules: [bounty(5000)] });
    await convert(p, m.code, "a");
    await putRules(p, { rules: [bounty(7500)] });
    await convert(p, m.code, "b");
    const ledger = await rewards(p);
    expect(ledger.map((r) => [r.amount, r.rule.version]).sort()).toEqual([
      [5000, 1],
      [7500, 2],
    ]);
  });
});

describe("paying once", () => {
  it("a replayed or retried conversion never pays twice", async () => {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, { rules: [bounty(5000)] });
    const key = { "idempotency-key": "stripe-inv-1" };
    await convert(p, m.code, "a", { value_cents: 9900, currency: "USD" }, key);
    const replay = await server(
      p,
      "POST",
      "/v1/conversions",
      { email: "a@friend-a.test", code: m.code, value_cents: 9900, currency: "USD" },
      key,
    );
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    const retry = await convert(p, m.code, "a", { value_cents: 9900, currency: "USD" });
    expect(retry.changed).toBe(false);
    expect(await rewards(p)).toHaveLength(1);
  });

  it("a conversion that creates its referral evaluates both of its events in one batch", async () => {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, {
      rules: [
        { ...bounty(100), id: "first-lead", trigger: "lead", milestone: { at: 1 } },
        { ...bounty(200), id: "first-customer", milestone: { at: 1 } },
        { ...bounty(300), id: "second-customer", milestone: { at: 2 } },
      ],
    });
    await convert(p, m.code, "a");
    await convert(p, m.code, "b");
    const ledger = await rewards(p);
    expect(ledger.map((r) => [r.rule.id, r.amount]).sort()).toEqual([
      ["first-customer", 200],
      ["first-lead", 100],
      ["second-customer", 300],
    ]);
    const ticks = await env.DB.prepare("SELECT tick FROM member_reward_ticks WHERE member_id = ? ORDER BY tick")
      .bind(m.id)
      .all<{ tick: number }>();
    expect(ticks.results.map((t) => t.tick)).toEqual([1, 2, 3, 4]);
  });

  it("racing conversions of one member pay a milestone exactly once", async () => {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, {
      rules: [
        bounty(1000),
        { ...bounty(20000), id: "third", milestone: { at: 3 } },
        { ...bounty(500), id: "capped", member_cap: { count: 2 } },
      ],
    });
    // A request that lost the race to its member's next tick answers 409 `conflict`: the client retries it.
    const convertUntilDone = async (friend: string) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const { res, json } = await server(p, "POST", "/v1/conversions", {
          email: `${friend}@friend-${friend}.test`,
          code: m.code,
        });
        if (res.status !== 409) return { status: res.status, json };
        expect(json.error.code).toBe("conflict");
      }
      throw new Error("still conflicting after 20 attempts");
    };
    const results = await Promise.all(["a", "b", "c", "d", "e"].map(convertUntilDone));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const ledger = await rewards(p);
    expect(ledger.filter((r) => r.rule.id === "bounty")).toHaveLength(5);
    expect(ledger.filter((r) => r.rule.id === "third")).toHaveLength(1);
    expect(ledger.filter((r) => r.rule.id === "capped")).toHaveLength(2);
  });
});

describe("the ledger API", () => {
  async function manualProgram() {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, {
      approval: "manual",
      rules: [
        bounty(5000),
        { ...bounty(2500), id: "friend-gift", recipient: "friend", kind: "gift_card" },
        { ...bounty(9900), id: "held", hold_days: 30 },
      ],
    });
    return { p, m };
  }

  it("approves, exports approved rewards as CSV, pays with a reference, and voids with a reason", async () => {
    const { p, m } = await manualProgram();
    await convert(p, m.code, "a", { name: "Ada Friend" });
    await convert(p, m.code, "b");
    const all = await rewards(p);
    expect(all).toHaveLength(6);
    expect(all.every((r) => r.state === "pending")).toBe(true);

    const memberBounty = all.filter((r) => r.rule.id === "bounty");
    const friendGift = all.find((r) => r.rule.id === "friend-gift");
    const held = all.find((r) => r.rule.id === "held");
    const bulk = await server(p, "POST", "/v1/rewards/approve", {
      ids: [...memberBounty.map((r) => r.id), friendGift?.id, held?.id, "rwd_missing"],
    });
    expect(bulk.res.status).toBe(200);
    expect(bulk.json.approved).toHaveLength(3);
    expect(bulk.json.skipped).toEqual([
      { id: held?.id, reason: "on_hold" },
      { id: "rwd_missing", reason: "not_found" },
    ]);
    const onHold = await server(p, "POST", `/v1/rewards/${held?.id}/approve`);
    expect(onHold.res.status).toBe(409);
    expect(onHold.json.error.code).toBe("reward_on_hold");

    const csv = await exportCsv(p);
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe(
      "reward_id,recipient,payee_email,payee_name,member_id,member_external_id,referral_id,kind,amount,amount_minor,currency,description,rule_id,rule_version,approved_at,payee_email_verified,clawback_of",
    );
    expect(lines).toHaveLength(4);
    const friendLine = lines.find((l) => l.startsWith(friendGift?.id));
    expect(friendLine).toContain(",friend,");
    expect(friendLine).toMatch(/,gift_card,25\.00,2500,USD,/);
    expect(
      lines.some((l) => l.includes(",member,m1@member-co.test,Member m1,") && l.includes(",50.00,5000,USD,")),
    ).toBe(true);

    const payKey = { "idempotency-key": "payout-2026-01" };
    const pay = await server(
      p,
      "POST",
      "/v1/rewards/pay",
      { ids: memberBounty.map((r) => r.id), payout_reference: "wise-batch-42" },
      payKey,
    );
    expect(pay.res.status).toBe(201);
    expect(pay.json.payout).toMatchObject({ reference: "wise-batch-42", reward_count: 2, totals: { USD: 10000 } });
    const again = await server(
      p,
      "POST",
      "/v1/rewards/pay",
      { ids: memberBounty.map((r) => r.id), payout_reference: "wise-batch-42" },
      payKey,
    );
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json.payout.id).toBe(pay.json.payout.id);
    const nothing = await server(p, "POST", "/v1/rewards/pay", { ids: [held?.id], payout_reference: "x" });
    expect(nothing.res.status).toBe(409);
    expect(nothing.json.error.code).toBe("invalid_reward_state");

    expect((await exportCsv(p)).trim().split("\r\n")).toHaveLength(2);
    const paid = await rewards(p, "&state=paid");
    expect(paid.map((r) => r.payout_id)).toEqual([pay.json.payout.id, pay.json.payout.id]);

    const voidPaid = await server(p, "POST", `/v1/rewards/${paid[0]?.id}/void`, { reason: "typo" });
    expect(voidPaid.res.status).toBe(409);
    const voided = await server(p, "POST", `/v1/rewards/${held?.id}/void`, { reason: "Duplicate account" });
    expect(voided.json.reward).toMatchObject({ state: "voided", void_reason: "Duplicate account" });
    const missing = await server(p, "POST", "/v1/rewards/rwd_nope/void", { reason: "x" });
    expect(missing.json.error.code).toBe("reward_not_found");
    expect((await rewards(p, "&state=voided&recipient=member")).map((r) => r.id)).toEqual([held?.id]);
  });

  it("the cron approves rewards whose hold has ended, for auto-approving programs only", async () => {
    const p = await makeProgram();
    const m = await member(p, "m1");
    await putRules(p, { rules: [bounty(5000, { hold_days: 30 })] });
    await convert(p, m.code, "a");
    const [reward] = await rewards(p);
    expect(reward?.state).toBe("pending");
    const ctx = createExecutionContext();
    const controller = createScheduledController({ scheduledTime: Date.now() + 31 * 86_400_000, cron: "*/10 * * * *" });
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    const row = await env.DB.prepare("SELECT state FROM rewards WHERE id = ?")
      .bind(reward?.id)
      .first<{ state: string }>();
    expect(row?.state).toBe("approved");
  });

  it("exposes member totals to the widget and the server", async () => {
    const p = await makeProgram({ test_mode: true });
    const me = await enrol(p, { id: "u1", email: "u1@member-co.test", name: "Una" });
    await putRules(p, {
      stacking_discount: { percent_per_referral: 10, max_percent: 30 },
      raffle: { entries: { converted: 5 } },
      rules: [
        bounty(5000),
        { ...bounty(7000), id: "held", hold_days: 14 },
        { id: "month", trigger: "converted", recipient: "member", kind: "free_months", amount: flat(1) },
        {
          ...bounty(1),
          id: "course",
          kind: "custom",
          description: "Course",
          currency: undefined,
          milestone: { at: 5 },
        },
      ],
    });
    await convert(p, me.member.code, "a");
    await convert(p, me.member.code, "b");
    const view = (await enrol(p, { id: "u1" })).rewards;
    expect(view).toMatchObject({
      rule_version: 1,
      totals: [{ currency: "USD", pending: 14000, approved: 10000, paid: 0, earned: 10000 }],
      free_months: { pending: 0, earned: 2 },
      discount_percent: 20,
      next_milestone: { rule_id: "course", at: 5, current: 2, remaining: 3 },
      raffle: { month: monthOf(Date.now()), entries: 10 },
    });
    expect(view.recent).toHaveLength(6);
    const serverView = await server(p, "GET", `/v1/members/${me.member.id}`);
    expect(serverView.json.rewards.totals).toEqual(view.totals);
    const discount = await server(p, "GET", `/v1/members/${me.member.id}/discount`);
    expect(discount.json).toMatchObject({ discount_percent: 20, active_referrals: 2 });
    const none = await server(p, "GET", "/v1/members/mem_nobody/discount");
    expect(none.json.error.code).toBe("member_not_found");
  });
});

async function exportCsv(p: TestProgram): Promise<string> {
  const res = await SELF.fetch("https://api.vouch.test/v1/rewards/export.csv?currency=USD", {
    headers: { authorization: `Bearer ${p.sk}` },
  });
  expect(res.headers.get("content-type")).toContain("text/csv");
  return res.text();
}

describe("raffle and leaderboard", () => {
  it("draws a month from recorded entries with a seed anyone can re-run", async () => {
    const p = await makeProgram();
    const ann = await member(p, "ann");
    const bob = await member(p, "bob");
    await putRules(p, { raffle: { entries: { lead: 1, converted: 5 } } });
    await convert(p, ann.code, "a1");
    await convert(p, bob.code, "b1");
    await convert(p, bob.code, "b2");
    const { res: leadRes } = await browser(p, "/v1/track/lead", { email: "b3@friend-b3.test", code: bob.code });
    expect(leadRes.status).toBe(202);
    const month = monthOf(Date.now());
    const entries = await server(p, "GET", `/v1/raffle/entries?month=${month}`);
    // Each conversion is 1 (its lead, now qualified) + 5; bob's bare lead b3 earns nothing until it qualifies.
    const expectedEntrants = [
      { member_id: ann.id, entries: 6 },
      { member_id: bob.id, entries: 12 },
    ].sort((a, b) => (a.member_id < b.member_id ? -1 : 1));
    expect(entries.json).toEqual({ month, total_entries: 18, entrants: expectedEntrants, next_cursor: null });

    const draw = await server(p, "POST", "/v1/raffle/draws", { month, seed: "lottery-2026-01-31" });
    expect(draw.res.status).toBe(201);
    const local = await drawRaffle("lottery-2026-01-31", expectedEntrants);
    expect(draw.json.draw).toMatchObject({
      seed: "lottery-2026-01-31",
      entrants: expectedEntrants,
      total_entries: 18,
      ticket: local.ticket,
      winner: { member_id: local.winner },
    });
    const recorded = await server(p, "GET", `/v1/raffle/draws/${month}`);
    expect(recorded.json.verified).toBe(true);
    const twice = await server(p, "POST", "/v1/raffle/draws", { month });
    expect(twice.json.error.code).toBe("raffle_already_drawn");
    const empty = await server(p, "POST", "/v1/raffle/draws", { month: "2001-01" });
    expect(empty.json.error.code).toBe("raffle_no_entries");
    const missing = await server(p, "GET", "/v1/raffle/draws/2001-01");
    expect(missing.json.error.code).toBe("draw_not_found");

    const board = await server(p, "GET", `/v1/leaderboard?month=${month}`);
    expect(board.json.data.map((r: Json) => [r.rank, r.member_id, r.successful_referrals])).toEqual([
      [1, bob.id, 2],
      [2, ann.id, 1],
    ]);
  });

  it("leaves refunded sales off the leaderboard", async () => {
    const p = await makeProgram();
    const ann = await member(p, "ann");
    const bob = await member(p, "bob");
    const a1 = await convert(p, ann.code, "a1");
    await convert(p, ann.code, "a2");
    await convert(p, bob.code, "b1");
    await server(p, "PATCH", `/v1/referrals/${a1.referral.id}`, { status: "refunded" });
    const board = await server(p, "GET", "/v1/leaderboard");
    expect(board.json.data.map((r: Json) => [r.member_id, r.successful_referrals])).toEqual([
      [ann.id, 1],
      [bob.id, 1],
    ]);
  });
});

describe("OpenAPI", () => {
  it("documents the rewards routes from the same schemas", async () => {
    const res = await SELF.fetch("https://api.vouch.test/v1/openapi.json");
    const doc = (await res.json()) as any;
    const rules = doc.paths["/v1/reward-rules"].put.requestBody.content["application/json"].schema;
    expect(rules.properties.rules.items.properties.trigger.enum).toEqual(["lead", "qualified", "converted", "renewed"]);
    expect(doc.paths["/v1/rewards/pay"].post.parameters.some((p: any) => p.name === "Idempotency-Key")).toBe(true);
    expect(doc.paths["/v1/rewards"].get.parameters.map((p: any) => p.name)).toContain("state");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/members/{id}/discount",
        "/v1/raffle/draws",
        "/v1/leaderboard",
        "/v1/rewards/export.csv",
      ]),
    );
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain("reward_on_hold");
  });
});
