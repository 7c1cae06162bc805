import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, eventually, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { assignVariant } from "./assign";
import { exposureStatements, memberRulesStatement, memberVariantStatement, RESULT_SQL } from "./service";
import { twoProportionZTest } from "./stats";

type Json = Record<string, any>;

const usd = (id: string, value: number) => ({
  id,
  trigger: "converted" as const,
  recipient: "member" as const,
  kind: "cash" as const,
  amount: { type: "flat" as const, value },
  currency: "USD",
});

async function start(p: TestProgram, variants: Json[], name = "Message test"): Promise<Json> {
  const { res, json } = await server(p, "POST", "/v1/experiments", { name, variants });
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.experiment;
}

async function convert(p: TestProgram, code: string, friend: string) {
  const { res, json } = await server(p, "POST", "/v1/conversions", {
    email: `${friend}@${friend}-co.test`,
    code,
    value_cents: 50_000,
    currency: "USD",
  });
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function memberRewards(memberId: string) {
  const { results } = await env.DB.prepare(
    "SELECT amount, state, rule_id, rule_version, experiment_variant_id FROM rewards WHERE member_id = ? ORDER BY created_at",
  )
    .bind(memberId)
    .all<Json>();
  return results;
}

async function assignmentOf(experimentId: string, memberId: string) {
  return env.DB.prepare("SELECT variant_id FROM experiment_assignments WHERE experiment_id = ? AND member_id = ?")
    .bind(experimentId, memberId)
    .first<string>("variant_id");
}

describe("experiments", () => {
  it("splits 1,000 members by weight, deterministically, and stores each assignment once", async () => {
    const p = await makeProgram();
    const exp = await start(p, [
      { key: "a", weight: 3, message: "A {link}" },
      { key: "b", weight: 1, message: "B {link}" },
    ]);
    const ids = Array.from({ length: 1000 }, (_, i) => `mem_split_${p.id}_${i}`);
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO members (id, program_id, external_id, code, created_at)
       SELECT value, ?, value, 'S' || key, ? FROM json_each(?)`,
    )
      .bind(p.id, now, JSON.stringify(ids))
      .run();
    // What enrolment runs: each member's exposure statement (twice: the second changes nothing).
    for (let round = 0; round < 2; round++) {
      const statements = (await Promise.all(ids.map((id) => exposureStatements(env.DB, p.id, id)))).flat();
      expect(statements).toHaveLength(1000);
      await env.DB.batch(statements);
    }
    const { results } = await env.DB.prepare(
      "SELECT variant_id, COUNT(*) AS n FROM experiment_assignments WHERE experiment_id = ? GROUP BY variant_id",
    )
      .bind(exp.id)
      .all<{ variant_id: string; n: number }>();
    const [a, b] = exp.variants as { id: string; weight: number }[];
    const n = new Map(results.map((r) => [r.variant_id, r.n]));
    expect((n.get(a?.id ?? "") ?? 0) + (n.get(b?.id ?? "") ?? 0)).toBe(1000);
    // 750 expected in a; a fair 3:1 split of 1,000 stays within 4 standard deviations (±55).
    expect(Math.abs((n.get(a?.id ?? "") ?? 0) - 750)).toBeLessThan(55);
    // The stored variant is the pure function's, for every member.
    const stored = await env.DB.prepare(
      "SELECT member_id, variant_id FROM experiment_assignments WHERE experiment_id = ?",
    )
      .bind(exp.id)
      .all<{ member_id: string; variant_id: string }>();
    for (const row of stored.results.slice(0, 100)) {
      expect((await assignVariant(exp.id, row.member_id, exp.variants)).id).toBe(row.variant_id);
    }
  });

  it("shows each member their variant's message and pays under its rules; ending keeps what was earned", async () => {
    const p = await makeProgram({}, { rules: { rules: [usd("member-reward", 10_000)] } });
    const exp = await start(p, [
      { key: "a", message: "A: {offer} {link}" },
      { key: "b", message: "B: {offer} {link}", rules: { rules: [usd("member-reward", 15_000)] } },
    ]);
    const [va, vb] = exp.variants as Json[];
    const byVariant = new Map<string, Json[]>();
    for (let i = 0; i < 24; i++) {
      const me = await enrol(p, { id: `user_${i}`, name: `Pat ${i}`, email: `pat${i}@m${i}.test` });
      const variantId = await assignmentOf(exp.id, me.member.id);
      expect(variantId).toBe((await assignVariant(exp.id, me.member.id, exp.variants)).id);
      byVariant.set(variantId ?? "", [...(byVariant.get(variantId ?? "") ?? []), me]);
      if (variantId === va?.id) {
        expect(me.message).toBe(`A: Give $100, get $100. ${me.member.link}`);
      } else {
        // The variant's own rules, in words, fill {offer}: the program's offer text describes the program's.
        expect(me.message).toMatch(/^B: .*\$150/);
        expect(me.program.offer_text).toMatch(/\$150/);
      }
    }
    const inA = byVariant.get(va?.id)?.[0] as Json;
    const inB = byVariant.get(vb?.id)?.[0] as Json;
    expect(inA && inB).toBeTruthy();
    // Enrolling again changes nothing.
    const again = await enrol(p, { id: inB.member.external_id });
    expect(again.message).toBe(inB.message);

    await convert(p, inA.member.code, "sam");
    await convert(p, inB.member.code, "kim");
    expect(await memberRewards(inA.member.id)).toEqual([
      expect.objectContaining({ amount: 10_000, rule_version: 1, experiment_variant_id: null }),
    ]);
    const earnedB = await memberRewards(inB.member.id);
    expect(earnedB).toEqual([
      expect.objectContaining({ amount: 15_000, rule_version: 1, experiment_variant_id: vb?.id, state: "approved" }),
    ]);
    // The API's reward (and so its webhooks) says which variant earned it.
    const listed = await server(p, "GET", `/v1/rewards?member_id=${inB.member.id}`);
    expect(listed.json.data.map((r: Json) => [r.amount, r.experiment_variant_id])).toEqual([[15_000, vb?.id]]);

    const ended = await server(p, "POST", `/v1/experiments/${exp.id}/end`);
    expect(ended.res.status).toBe(200);
    expect(ended.json.experiment.status).toBe("ended");
    // Ending twice changes nothing.
    const twice = await server(p, "POST", `/v1/experiments/${exp.id}/end`);
    expect(twice.json.experiment.ended_at).toBe(ended.json.experiment.ended_at);

    // The reward earned under variant b is kept as it was; new events pay under the program's rules.
    await convert(p, inB.member.code, "lee");
    const after = await memberRewards(inB.member.id);
    expect(after[0]).toEqual(earnedB[0]);
    expect(after[1]).toEqual(expect.objectContaining({ amount: 10_000, experiment_variant_id: null }));
    const back = await enrol(p, { id: inB.member.external_id });
    expect(back.message).not.toMatch(/^B:/);

    // Results: the conversions during the experiment and their cost, per variant.
    const { res, json } = await server(p, "GET", `/v1/experiments/${exp.id}/results`);
    expect(res.status).toBe(200);
    const a = json.variants.find((v: Json) => v.key === "a");
    const b = json.variants.find((v: Json) => v.key === "b");
    expect(a.exposed + b.exposed).toBe(24);
    expect(a.exposed).toBe(byVariant.get(va?.id)?.length);
    expect([a.conversions, b.conversions]).toEqual([1, 1]);
    expect(a.reward_cost).toEqual([{ currency: "USD", amount: 10_000 }]);
    expect(b.reward_cost).toEqual([{ currency: "USD", amount: 15_000 }]);
  });

  it("keeps a milestone bonus earned under a variant when a refund after the end recounts the member", async () => {
    const bonus = { ...usd("bonus", 25_000), milestone: { at: 2 } };
    const p = await makeProgram({}, { rules: { rules: [usd("member-reward", 10_000), bonus] } });
    const exp = await start(p, [
      { key: "a", weight: 1, rules: { rules: [usd("member-reward", 15_000), bonus] } },
      { key: "b", weight: 1, rules: { rules: [usd("member-reward", 15_000), bonus] } },
    ]);
    const me = await enrol(p, { id: "milestone", name: "Mo Stone", email: "mo@stone.test" });
    const first = await convert(p, me.member.code, "first");
    await convert(p, me.member.code, "second");
    const earned = await memberRewards(me.member.id);
    expect(earned.map((r) => [r.rule_id, r.amount, r.experiment_variant_id !== null])).toEqual([
      ["member-reward", 15_000, true],
      ["member-reward", 15_000, true],
      ["bonus", 25_000, true],
    ]);
    await server(p, "POST", `/v1/experiments/${exp.id}/end`);
    const refund = await server(p, "PATCH", `/v1/referrals/${first.referral.id}`, { status: "refunded" });
    expect(refund.res.status, JSON.stringify(refund.json)).toBe(200);
    const after = await memberRewards(me.member.id);
    // The refunded referral's own reward is taken back, as any refund does; the bonus stays as it was earned.
    expect(after.filter((r) => r.rule_id === "bonus")).toEqual([expect.objectContaining({ amount: 25_000 })]);
    expect(after.find((r) => r.rule_id === "bonus")?.state).not.toBe("voided");
    expect(after.filter((r) => r.state === "voided").map((r) => r.rule_id)).toEqual(["member-reward"]);
  });

  it("counts each variant's shares, visits, leads and conversions from exposure until the end", async () => {
    const p = await makeProgram({}, { rules: { rules: [usd("member-reward", 10_000)] } });
    // A member already referring before the experiment: what happened before exposure does not count.
    const early = await enrol(p, { id: "early", name: "Early Bird", email: "early@early.test" });
    await convert(p, early.member.code, "before");
    const exp = await start(p, [
      { key: "a", message: "A {link}" },
      { key: "b", message: "B {link}" },
    ]);
    const members: Record<string, Json[]> = { A: [], B: [] };
    members[(await enrol(p, { id: "early" })).message.slice(0, 1)]?.push(early);
    for (let i = 0; (members.A?.length ?? 0) < 2 || (members.B?.length ?? 0) < 2; i++) {
      const me = await enrol(p, { id: `u${i}`, name: `Max ${i}`, email: `max${i}@c${i}.test` });
      members[me.message.slice(0, 1)]?.push(me);
    }
    const [a1, a2] = members.A as Json[];
    const [b1, b2] = members.B as Json[];
    const share = (m: Json, channel: string) =>
      browser(p, "/v1/track/share", { member_token: m.member_token, channel }).then(({ res }) =>
        expect(res.status).toBeLessThan(300),
      );
    await share(a1 as Json, "copy");
    await share(a1 as Json, "email");
    await share(b1 as Json, "linkedin");
    for (const m of [a1, b1, b1]) await browser(p, "/v1/track/visit", { code: (m as Json).member.code });
    const lead = await browser(p, "/v1/track/lead", { email: "lead@prospect-co.test", code: (a2 as Json).member.code });
    expect(lead.res.status).toBe(202);
    await convert(p, (b1 as Json).member.code, "one");
    await convert(p, (b1 as Json).member.code, "two");
    await convert(p, (b2 as Json).member.code, "three");
    await eventually(
      async () =>
        (await env.DB.prepare("SELECT COUNT(*) AS n FROM visits WHERE program_id = ?").bind(p.id).first<number>("n")) ??
        0,
      (n) => n >= 3,
    );

    const { json } = await server(p, "GET", `/v1/experiments/${exp.id}/results`);
    const by = Object.fromEntries(json.variants.map((v: Json) => [v.key, v]));
    const exposedA = members.A?.length ?? 0;
    const exposedB = members.B?.length ?? 0;
    expect(by.a).toMatchObject({ exposed: exposedA, shares: 2, visits: 1, leads: 1, conversions: 0 });
    expect(by.b).toMatchObject({ exposed: exposedB, shares: 1, visits: 2, leads: 3, conversions: 3 });
    expect(by.b.converting_members).toBe(2);
    expect(by.b.conversion_rate).toBeCloseTo(2 / exposedB, 12);
    expect(by.b.reward_cost).toEqual([{ currency: "USD", amount: 30_000 }]);
    expect(json.comparison).toMatchObject({ leader: "b", runner_up: "a" });
    const test = twoProportionZTest({ successes: 0, trials: exposedA }, { successes: 2, trials: exposedB });
    expect(json.comparison.p_value).toBeCloseTo(test?.p_value ?? -1, 12);
    expect(json.comparison.significant).toBe((test?.p_value ?? 1) < 0.05);
    expect(json.readout).toContain("Variant b leads on conversion rate");
  });

  it("runs one experiment per program, validates its variants and reads its results through indexes", async () => {
    const p = await makeProgram();
    const one = await server(p, "POST", "/v1/experiments", { name: "Solo", variants: [{ key: "a" }] });
    expect(one.res.status).toBe(422);
    expect(one.json.error.code).toBe("validation_failed");
    const dup = await server(p, "POST", "/v1/experiments", { name: "Dup", variants: [{ key: "a" }, { key: "a" }] });
    expect(dup.json.error.code).toBe("validation_failed");
    const exp = await start(p, [{ key: "a" }, { key: "b", weight: 2 }]);
    const second = await server(p, "POST", "/v1/experiments", { name: "Two", variants: [{ key: "x" }, { key: "y" }] });
    expect(second.res.status).toBe(409);
    expect(second.json.error.code).toBe("experiment_running");
    const list = await server(p, "GET", "/v1/experiments");
    expect(list.json.data.map((e: Json) => e.id)).toEqual([exp.id]);
    const other = await makeProgram();
    expect((await server(other, "GET", `/v1/experiments/${exp.id}`)).json.error.code).toBe("experiment_not_found");
    expect((await server(other, "POST", `/v1/experiments/${exp.id}/end`)).res.status).toBe(404);
    const empty = await server(p, "GET", `/v1/experiments/${exp.id}/results`);
    expect(empty.json.comparison).toBeNull();
    expect(empty.json.readout).toContain("Not enough data");

    // The reads on every enrolment and every rewarded event: the member's assignment by its index.
    const sqlOf = (build: (db: D1Database) => unknown) =>
      build({ prepare: (sql: string) => ({ bind: () => sql }) } as unknown as D1Database) as string;
    for (const [sql, params] of [
      [sqlOf((db) => memberRulesStatement(db, "prg_x", { sql: "?", params: ["mem_x"] })), ["mem_x", "prg_x", "prg_x"]],
      [sqlOf((db) => memberVariantStatement(db, "prg_x", "mem_x")), ["mem_x", "prg_x"]],
    ] as const) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const detail = plan.results.map((r) => r.detail).join(" | ");
      expect(detail).toMatch(/SEARCH a USING INDEX experiment_assignments_member/);
      expect(detail).not.toMatch(/SCAN (a|e|v|reward_rules)\b/);
    }
    for (const sql of RESULT_SQL) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind("exp_x", 0).all<{ detail: string }>();
      const detail = plan.results.map((r) => r.detail).join(" | ");
      expect(detail).toMatch(/SEARCH a USING (PRIMARY KEY|INDEX sqlite_autoindex_experiment_assignments)/);
      expect(detail).not.toMatch(/SCAN (s|v|r|w)\b/);
    }
  });
});
