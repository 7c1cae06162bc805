import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, server } from "../../test/fixtures";
import { addEndpoint, deliveriesOf, receiver } from "../../test/webhooks";
import { rulesBodyExample } from "../openapi/examples";
import { attemptDelivery } from "./delivery";

type Json = Record<string, any>;

async function eventsOf(programId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, type, snapshot, created_at FROM webhook_events WHERE program_id = ? ORDER BY created_at, rowid",
  )
    .bind(programId)
    .all<{ id: string; type: string; snapshot: string; created_at: number }>();
  return results;
}

describe("the outbox: events are written with the change that causes them", () => {
  it("writes nothing for a program without an endpoint (no cost to programs that do not use webhooks)", async () => {
    const p = await makeProgram({}, { rules: rulesBodyExample });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const res = await server(p, "POST", "/v1/conversions", {
      email: "sam@initech.test",
      code: member.code,
      value_cents: 9_900,
      currency: "USD",
    });
    expect(res.res.status).toBe(201);
    expect(res.json.rewards).toHaveLength(2);
    expect(await eventsOf(p.id)).toEqual([]);
  });

  it("announces a member, a referral, its conversion and the rewards it earns, in order, one delivery each", async () => {
    const p = await makeProgram({ test_mode: true }, { rules: rulesBodyExample });
    const r = receiver();
    await addEndpoint(p, r.url);
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const lead = await browser(p, "/v1/track/lead", { code: member.code, email: "sam@initech.test" });
    expect(lead.res.status).toBe(202);
    const { json: ref } = await server(p, "GET", "/v1/referrals?email=sam%40initech.test");
    const referralId = ref.data[0].id as string;
    const conv = await server(p, "PATCH", `/v1/referrals/${referralId}`, {
      status: "converted",
      value_cents: 9_900,
      currency: "USD",
    });
    expect(conv.res.status).toBe(200);

    const events = await eventsOf(p.id);
    expect(events.map((e) => e.type)).toEqual([
      "member.created",
      "referral.created",
      "referral.status_changed",
      "reward.created", // the friend's credit, no hold: approved at once
      "reward.approved",
      "reward.created", // the member's, on a 14-day hold
    ]);
    // One delivery per event to the one endpoint, all waiting.
    const deliveries = await deliveriesOf(p.id);
    expect(deliveries.map((d) => d.type)).toEqual(events.map((e) => e.type));
    expect(new Set(deliveries.map((d) => d.state))).toEqual(new Set(["pending"]));

    // What a delivery carries is what the API answers for the same object at that moment.
    for (const d of deliveries) await attemptDelivery(env, d.id);
    const log = await r.log();
    const bodies = log.map((l) => JSON.parse(l.body) as Json);
    expect(bodies.map((b) => b.type)).toEqual(events.map((e) => e.type));
    const changed = bodies.find((b) => b.type === "referral.status_changed");
    expect(changed?.data).toMatchObject({
      from: "lead",
      to: "converted",
      event: { to: "converted", value_cents: 9_900 },
    });
    expect(changed?.data.referral).toEqual(conv.json.referral);
    const memberReward = bodies.filter((b) => b.type === "reward.created")[1]?.data.reward;
    const { json: fromApi } = await server(p, "GET", `/v1/rewards/${memberReward.id}`);
    expect(memberReward).toEqual(fromApi.reward);
    expect(bodies[0]?.data.member).toMatchObject({ id: member.id, code: member.code, link: member.link });
    expect(bodies[0]?.data.member).not.toHaveProperty("short_link");
  });

  it("announces approvals, payouts and voids however they happen (the cron's promotion, a refund)", async () => {
    const p = await makeProgram(
      { test_mode: true },
      { rules: { rules: [{ ...rulesBodyExample.rules[1]!, hold_days: 1 }], approval: "auto" } as never },
    );
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await addEndpoint(p, receiver().url, ["reward.approved", "reward.paid", "reward.voided"]);
    const a = await server(p, "POST", "/v1/conversions", {
      email: "a@initech.test",
      code: member.code,
      value_cents: 100,
      currency: "USD",
    });
    const b = await server(p, "POST", "/v1/conversions", {
      email: "b@globex.test",
      code: member.code,
      value_cents: 100,
      currency: "USD",
    });
    // The hold ends for everyone at once: one UPDATE, one event per reward.
    await env.DB.prepare("UPDATE rewards SET available_at = 0 WHERE program_id = ?").bind(p.id).run();
    const { promoteDue } = await import("../rewards/ledger");
    expect(await promoteDue(env.DB, Date.now(), p.id)).toBeGreaterThanOrEqual(2);
    const rewardA = a.json.rewards[0].id as string;
    const pay = await server(p, "POST", "/v1/rewards/pay", { ids: [rewardA], payout_reference: "batch-1" });
    expect(pay.res.status).toBe(201);
    const refund = await server(p, "PATCH", `/v1/referrals/${b.json.referral.id}`, { status: "refunded" });
    expect(refund.res.status).toBe(200);
    const types = (await deliveriesOf(p.id)).map((d) => d.type);
    expect(types.filter((t) => t === "reward.approved")).toHaveLength(2);
    expect(types.filter((t) => t === "reward.paid")).toHaveLength(1);
    expect(types.filter((t) => t === "reward.voided")).toHaveLength(1);
    // Subscribed to these three only: no member, referral or created events were delivered.
    expect(types.every((t) => t.startsWith("reward.") && t !== "reward.created")).toBe(true);
  });

  it("flags for review are announced", async () => {
    const p = await makeProgram({ test_mode: true });
    await addEndpoint(p, receiver().url, ["review.flagged"]);
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    // A throwaway address: the disposable-email rule flags it (the conversion is kept, its rewards wait).
    const res = await server(p, "POST", "/v1/conversions", {
      email: "sam@mailinator.com",
      code: member.code,
      value_cents: 100,
      currency: "USD",
    });
    expect(res.res.status).toBe(201);
    const types = (await deliveriesOf(p.id)).map((d) => d.type);
    expect(types).toContain("review.flagged");
  });

  it("a change that fails writes no event: the outbox is in its transaction", async () => {
    const p = await makeProgram({ test_mode: true });
    await addEndpoint(p, receiver().url);
    const insert = (id: string, code: string) =>
      env.DB.prepare("INSERT INTO members (id, program_id, external_id, code, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        id,
        p.id,
        id,
        code,
        Date.now(),
      );
    // The second member reuses the first one's code: the batch fails whole.
    await expect(env.DB.batch([insert("mem_a", "SAMEC0DE"), insert("mem_b", "SAMEC0DE")])).rejects.toThrow(/UNIQUE/);
    expect(await eventsOf(p.id)).toEqual([]);
    await env.DB.batch([insert("mem_c", "OTHERC0D")]);
    expect((await eventsOf(p.id)).map((e) => e.type)).toEqual(["member.created"]);
  });

  it("an endpoint only gets what it subscribed to, a disabled one nothing, and new endpoints nothing from before", async () => {
    const p = await makeProgram({ test_mode: true });
    const all = await addEndpoint(p, receiver().url);
    const members = await addEndpoint(p, receiver().url, ["member.created"]);
    const paused = await addEndpoint(p, receiver().url);
    expect(
      (await server(p, "PATCH", `/v1/webhook-endpoints/${paused.endpoint.id}`, { enabled: false })).res.status,
    ).toBe(200);
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await server(p, "POST", "/v1/conversions", {
      email: "sam@initech.test",
      code: member.code,
      value_cents: 100,
      currency: "USD",
    });
    const late = await addEndpoint(p, receiver().url);
    const { results } = await env.DB.prepare(
      "SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries WHERE program_id = ? GROUP BY endpoint_id",
    )
      .bind(p.id)
      .all<{ endpoint_id: string; n: number }>();
    const counts = Object.fromEntries(results.map((r) => [r.endpoint_id, r.n]));
    expect(counts[all.endpoint.id]).toBe(3); // member.created, referral.created, referral.status_changed
    expect(counts[members.endpoint.id]).toBe(1);
    expect(counts[paused.endpoint.id]).toBeUndefined();
    expect(counts[late.endpoint.id]).toBeUndefined();
  });
});
