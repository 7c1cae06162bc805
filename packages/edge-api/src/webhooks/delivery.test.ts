import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { enrol, eventually, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { addEndpoint, deliveriesOf, receiver, runQueue } from "../../test/webhooks";
import { attemptDelivery, dispatchDue } from "./delivery";
import { DISABLE_AFTER_MS, MAX_ATTEMPTS, RETRY_DELAYS_S, retryDelaySeconds } from "./schedule";

type Json = Record<string, any>;
const HOUR = 3_600_000;

/** `n` conversions by one member: each announces referral.created and referral.status_changed. */
async function conversions(p: TestProgram, n: number) {
  const run = crypto.randomUUID().slice(0, 6);
  const { member } = await enrol(p, { id: `u${run}`, email: "dana@ledgerly.test" });
  for (let i = 0; i < n; i++) {
    const res = await server(p, "POST", "/v1/conversions", {
      email: `friend${i}@company${i}-${run}.test`,
      code: member.code,
      value_cents: 1_000,
      currency: "USD",
    });
    expect(res.res.status).toBe(201);
  }
}

async function attemptsOf(deliveryId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt")
    .bind(deliveryId)
    .all<{ attempt: number; status: number | null; error: string | null; started_at: number; latency_ms: number }>();
  return results;
}

describe("delivering webhooks", () => {
  it("through the real queue: signed per Standard Webhooks, verified by the standardwebhooks library", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    const { secret } = await addEndpoint(p, r.url);
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    expect(await dispatchDue(env, { programId: p.id })).toBe(1);
    const [got] = await eventually(r.log, (log) => log.length === 1);
    expect(got).toBeDefined();
    const payload = new Webhook(secret).verify(got!.body, got!.headers) as Json;
    expect(payload).toMatchObject({ type: "member.created", data: { member: { external_id: "u1" } } });
    expect(got!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(got!.headers["content-type"]).toBe("application/json");
    // Tampering breaks it; the wrong secret fails.
    expect(() => new Webhook(secret).verify(got!.body.replace("u1", "u2"), got!.headers)).toThrow();
    const other = await addEndpoint(p, receiver().url);
    expect(() => new Webhook(other.secret).verify(got!.body, got!.headers)).toThrow();
    const [d] = await eventually(
      () => deliveriesOf(p.id),
      (ds) => ds[0]?.state === "delivered",
    );
    expect(d).toMatchObject({ state: "delivered", attempts: 1 });
  });

  it("a receiver down for an hour gets every event once it is back, each exactly once, with the attempts logged", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    await addEndpoint(p, r.url);
    await r.behave({ status: 503, body: "down for maintenance" });
    await conversions(p, 3);
    const deliveries = await deliveriesOf(p.id);
    expect(deliveries).toHaveLength(1 + 3 * 2); // member.created + (referral.created, referral.status_changed) × 3
    const start = Date.now();
    const end = await runQueue(
      deliveries.map((d) => d.id),
      {
        start,
        onTick: async (now) => {
          if (now >= start + HOUR) await r.behave({ status: 204 });
        },
      },
    );
    // The schedule: 5 s, 5 min, 30 min, then 2 h: the fourth retry is the first after the hour.
    expect(end - start).toBe((5 + 300 + 1_800 + 7_200) * 1000);
    const after = await deliveriesOf(p.id);
    expect(new Set(after.map((d) => d.state))).toEqual(new Set(["delivered"]));
    const log = await r.log();
    const accepted = log.slice(-deliveries.length); // the last round, once the receiver was back
    const ids = accepted.map((l) => l.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(deliveries.length); // every event once after the outage, none twice
    expect(log).toHaveLength(deliveries.length * 5);
    // Every attempt of one event carried the same webhook-id and the same bytes.
    for (const id of ids) {
      const copies = log.filter((l) => l.headers["webhook-id"] === id);
      expect(copies).toHaveLength(5);
      expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    }
    const attempts = await attemptsOf(deliveries[0]!.id);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503, 503, 204]);
    expect(attempts.map((a) => a.started_at - start)).toEqual([0, 5_000, 305_000, 2_105_000, 9_305_000]);
    const { json } = await server(p, "GET", `/v1/webhook-deliveries/${deliveries[0]!.id}`);
    expect(json.attempts[0]).toMatchObject({ attempt: 1, status: 503, response_excerpt: "down for maintenance" });
    expect(json.delivery).toMatchObject({ state: "delivered", attempts: 5, last_status: 204, next_attempt_at: null });
  });

  it("an endpoint failing for 3 days is disabled, its deliveries fail, the audit log says so, and nothing more is queued", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    const { endpoint } = await addEndpoint(p, r.url);
    await r.behave({ status: 500 });
    await conversions(p, 1);
    const deliveries = await deliveriesOf(p.id);
    const start = Date.now();
    const end = await runQueue(
      deliveries.map((d) => d.id),
      { start },
    );
    expect(end - start).toBeGreaterThanOrEqual(DISABLE_AFTER_MS);
    const { json } = await server(p, "GET", `/v1/webhook-endpoints/${endpoint.id}`);
    expect(json.endpoint).toMatchObject({ status: "disabled", failing_since: new Date(start).toISOString() });
    expect(json.endpoint.disabled_reason).toContain("3 days");
    expect(new Set((await deliveriesOf(p.id)).map((d) => d.state))).toEqual(new Set(["failed"]));
    const audit = await env.DB.prepare(
      "SELECT * FROM audit_log WHERE program_id = ? AND action = 'webhook_endpoint.disabled'",
    )
      .bind(p.id)
      .all();
    expect(audit.results).toHaveLength(1);
    // The schedule ran to its end (more than 3 days) on the first delivery.
    expect((await attemptsOf(deliveries[0]!.id)).length).toBe(MAX_ATTEMPTS);
    // New events go nowhere while it is disabled; enabling it starts afresh.
    await conversions(p, 1);
    expect((await deliveriesOf(p.id)).filter((d) => d.state === "pending")).toEqual([]);
    const enabled = await server(p, "PATCH", `/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.json.endpoint).toMatchObject({ status: "enabled", failing_since: null, disabled_reason: null });
  });

  it("a slow receiver times out, is retried, and never holds up the API", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    await addEndpoint(p, r.url);
    await r.behave({ status: 200, delay_ms: 1_500 });
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const [d] = await deliveriesOf(p.id);
    const outcome = await attemptDelivery(env, d!.id, { timeoutMs: 200, random: () => 0 });
    expect(outcome.retryInSeconds).toBe(5);
    expect(outcome.attempt).toMatchObject({ status: null, error: "no answer within 0.2 s" });
    // Through the real queue (15 s timeout), the receiver holds its answer for 1.5 s; meanwhile the API
    // answers every request: delivery runs in the queue's consumer, never in a request.
    // As if the retry's time had come and its queue message were lost: the dispatcher queues it again.
    await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = 0, leased_until = 0 WHERE id = ?")
      .bind(d!.id)
      .run();
    expect(await dispatchDue(env, { programId: p.id })).toBe(1);
    await eventually(r.log, (log) => log.length === 2);
    const answered: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { res } = await server(p, "GET", "/v1/webhook-endpoints");
      expect(res.status).toBe(200);
      answered.push(Date.now());
    }
    const log = await eventually(r.log, (l) => l[1]?.answered_at !== undefined, 5_000);
    expect(Math.max(...answered)).toBeLessThan(log[1]!.answered_at!);
  }, 20_000);

  it("the same message delivered twice at once sends once (queues deliver at least once)", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    await addEndpoint(p, r.url);
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const [d] = await deliveriesOf(p.id);
    const [a, b] = await Promise.all([attemptDelivery(env, d!.id), attemptDelivery(env, d!.id)]);
    expect([a.attempt, b.attempt].filter(Boolean)).toHaveLength(1);
    // And again later: delivered is final.
    expect((await attemptDelivery(env, d!.id)).attempt).toBeUndefined();
    expect(await r.log()).toHaveLength(1);
  });

  it("a replay sends the same event again with the same webhook-id and body; a test send reports at once", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    const { endpoint } = await addEndpoint(p, r.url);
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const [d] = await deliveriesOf(p.id);
    await attemptDelivery(env, d!.id);
    const replay = await server(p, "POST", `/v1/webhook-deliveries/${d!.id}/replay`);
    expect(replay.res.status).toBe(202);
    expect(replay.json.delivery).toMatchObject({ state: "pending", replay_of: d!.id, event: { id: d!.event_id } });
    await attemptDelivery(env, replay.json.delivery.id);
    const [first, second] = await r.log();
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(second?.body).toBe(first?.body);

    const ok = await server(p, "POST", `/v1/webhook-endpoints/${endpoint.id}/test`);
    expect(ok.res.status).toBe(200);
    expect(ok.json).toMatchObject({
      delivery: { state: "delivered", event: { type: "webhook.test" } },
      attempt: { status: 200, response_excerpt: "ok" },
    });
    await r.behave({ status: 500, body: "boom" });
    const failed = await server(p, "POST", `/v1/webhook-endpoints/${endpoint.id}/test`);
    expect(failed.json).toMatchObject({
      delivery: { state: "failed", attempts: 1 },
      attempt: { status: 500, response_excerpt: "boom" },
    });
    // A failing test send says nothing about the endpoint's health.
    expect((await server(p, "GET", `/v1/webhook-endpoints/${endpoint.id}`)).json.endpoint.failing_since).toBeNull();
    const listed = await server(p, "GET", `/v1/webhook-deliveries?endpoint_id=${endpoint.id}&state=failed`);
    expect(listed.json.data.map((x: Json) => x.event.type)).toEqual(["webhook.test"]);
    // Unknown ids: clear errors.
    const missing = await server(p, "POST", "/v1/webhook-deliveries/whd_nope/replay");
    expect(missing.json.error.code).toBe("webhook_delivery_not_found");
  });

  it("rotating the secret: both secrets sign during the grace period, then only the new one", async () => {
    const p = await makeProgram({ test_mode: true });
    const r = receiver();
    const { endpoint, secret: old } = await addEndpoint(p, r.url);
    const rotated = await server(p, "POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { grace_hours: 24 });
    expect(rotated.res.status).toBe(200);
    const fresh = rotated.json.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await enrol(p, { id: "u2", email: "lee@ledgerly.test" });
    const [d1, d2] = await deliveriesOf(p.id);
    await attemptDelivery(env, d1!.id);
    const later = Date.now() + 25 * HOUR;
    await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?").bind(d2!.id).run();
    await attemptDelivery(env, d2!.id, { now: () => later });
    const [during, after] = await r.log();
    expect(during!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(old).verify(during!.body, during!.headers)).toBeTruthy();
    expect(new Webhook(fresh).verify(during!.body, during!.headers)).toBeTruthy();
    expect(after!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    const { json } = await server(p, "GET", `/v1/webhook-endpoints/${endpoint.id}/secret`);
    expect(json.secret).toBe(fresh);
  });

  it("refuses URLs that are not https to a public host; a test-mode program may use http://localhost", async () => {
    const live = await makeProgram();
    const test = await makeProgram({ test_mode: true });
    const refused: [TestProgram, string, RegExp][] = [
      [live, "http://hooks.acme.com/x", /https/],
      [live, "http://localhost:3000/x", /test-mode/],
      [live, "https://127.0.0.1/x", /this machine/],
      [live, "https://10.1.2.3/x", /private/],
      [live, "https://169.254.169.254/latest/meta-data", /private/],
      [live, "https://[::ffff:a00:1]/x", /private/],
      [live, "https://[fd00::1]/x", /private/],
      [live, "https://metadata.internal/x", /public host/],
      [live, "https://intranet/x", /public host/],
      [live, "https://user:pass@hooks.acme.com/x", /password/],
      [live, "ftp://hooks.acme.com/x", /https/],
      [live, "not a url", /not a URL/],
      [test, "http://hooks.acme.com/x", /localhost/],
    ];
    for (const [p, url, reason] of refused) {
      const { res, json } = await server(p, "POST", "/v1/webhook-endpoints", { url });
      expect(res.status, url).toBe(422);
      expect(json.error.code, url).toBe("invalid_webhook_url");
      expect(json.error.message, url).toMatch(reason);
    }
    for (const [p, url] of [
      [live, "https://hooks.acme.com/vouch"],
      [test, "http://localhost:4010/hooks"],
      [test, "http://127.0.0.1:4010/hooks"],
    ] as const) {
      expect((await server(p, "POST", "/v1/webhook-endpoints", { url })).res.status, url).toBe(201);
    }
    const badType = await server(live, "POST", "/v1/webhook-endpoints", {
      url: "https://hooks.acme.com/x",
      events: ["nope"],
    });
    expect(badType.json.error.code).toBe("validation_failed");
  });

  it("the backoff runs for more than 3 days, never longer than a queue can hold a message", () => {
    const total = RETRY_DELAYS_S.reduce((a, b) => a + b, 0);
    expect(total * 1000).toBeGreaterThan(DISABLE_AFTER_MS);
    for (let n = 1; n <= RETRY_DELAYS_S.length; n++) {
      const low = retryDelaySeconds(n, () => 0)!;
      const high = retryDelaySeconds(n, () => 0.999)!;
      expect(low).toBe(RETRY_DELAYS_S[n - 1]);
      expect(high).toBeGreaterThanOrEqual(low);
      expect(high).toBeLessThanOrEqual(43_200);
    }
    expect(retryDelaySeconds(RETRY_DELAYS_S.length + 1)).toBeNull();
  });
});
