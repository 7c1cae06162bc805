import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enrol, makeProgram } from "../../test/fixtures";
import { readClickId } from "./click-id";
import { consumeVisits, retryDelay, type VisitMessage } from "./visit-queue";

/** Visit `i` of a test: its click id is unique to the program and `i`. */
function visit(programId: string, memberId: string, code: string, i: number, extra: Partial<VisitMessage> = {}) {
  return {
    id: `clk_${programId.slice(4, 14)}${String(i).padStart(6, "0")}`,
    program_id: programId,
    member_id: memberId,
    code,
    campaign: i % 2 ? "spring" : null,
    sub_source: null,
    landing_url: "https://www.acme.test/",
    referrer: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    country: "DE",
    visitor_hash: `hash-${i % 3}`,
    created_at: Date.UTC(2026, 10, 30, 12, i),
    ...extra,
  } satisfies VisitMessage;
}

async function deliver(messages: VisitMessage[], attempts = 1) {
  const batch = createMessageBatch<VisitMessage>(
    "vouch-visits",
    messages.map((body, i) => ({ id: `msg-${i}-${body.id}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumeVisits(batch, env);
  return getQueueResult(batch, ctx);
}

describe("the visits consumer", () => {
  it("writes a batch in one statement and counts each visit once, whatever is delivered twice", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const batch = Array.from({ length: 6 }, (_, i) => visit(p.id, me.member.id, me.member.code, i));
    const first = await deliver(batch);
    expect(first).toMatchObject({ ackAll: true, retryBatch: { retry: false } });
    // The queue delivers at least once: half the batch again, plus two new ones.
    const again = [...batch.slice(0, 3), ...[10, 11].map((i) => visit(p.id, me.member.id, me.member.code, i))];
    expect((await deliver(again, 2)).ackAll).toBe(true);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM visits WHERE program_id = ?")
      .bind(p.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(8);
    // The rollup triggers fired only for rows really inserted.
    const stats = await env.DB.prepare(
      "SELECT SUM(visits) AS visits, SUM(uniques) AS uniques FROM daily_stats WHERE program_id = ?",
    )
      .bind(p.id)
      .first<{ visits: number; uniques: number }>();
    expect(stats?.visits).toBe(8);
    // 3 hashes, split over two campaigns: each campaign counts its own distinct visitors.
    const perCampaign = await env.DB.prepare(
      `SELECT campaign, COUNT(DISTINCT visitor_hash) AS n FROM visits WHERE program_id = ? GROUP BY campaign`,
    )
      .bind(p.id)
      .all<{ n: number }>();
    expect(stats?.uniques).toBe(perCampaign.results.reduce((s, r) => s + r.n, 0));
  });

  it("retries the whole batch with backoff when the write fails, and writes nothing of it", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const good = visit(p.id, me.member.id, me.member.code, 1);
    const broken = { ...visit(p.id, me.member.id, me.member.code, 2), visitor_hash: null as unknown as string }; // NOT NULL
    const result = await deliver([good, broken], 3);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM visits WHERE program_id = ?")
      .bind(p.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    expect([1, 2, 3, 7, 20].map(retryDelay)).toEqual([10, 20, 40, 600, 600]);
  });
});

describe("signed click ids", () => {
  it("carry their member and time, are worthless in another program, and cannot be altered", async () => {
    const { mintClickId } = await import("./click-id");
    const a = { id: "prg_aaaaaaaaaaaaaaaa", tokenSecret: "secret-a" };
    const b = { id: "prg_bbbbbbbbbbbbbbbb", tokenSecret: "secret-b" };
    const at = Date.UTC(2026, 11, 1, 9, 30, 15, 123);
    const click = await mintClickId(a, "mem_ABCDEFGHijklmnop", at);
    expect(click).toMatch(/^clk_ABCDEFGHijklmnop[0-9a-z]{9}[A-Za-z0-9]{8}[A-Za-z0-9_-]{22}$/);
    expect(await readClickId(a, click)).toEqual({ memberId: "mem_ABCDEFGHijklmnop", visitedAt: at });
    expect(await readClickId(b, click)).toBe("invalid");
    const otherMember = `clk_ZBCDEFGHijklmnop${click.slice(20)}`;
    expect(await readClickId(a, otherMember)).toBe("invalid");
    // An older click id (16 random characters) is looked up through its visit row.
    expect(await readClickId(a, "clk_AAAAAAAAAAAAAAAA")).toBeNull();
  });
});
