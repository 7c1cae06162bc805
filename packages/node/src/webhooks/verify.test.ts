import { Webhook } from "standardwebhooks";
import { describe, expect, test } from "vitest";
import { VouchWebhookError, verifyWebhook } from "./verify";

// Deliveries signed by the Standard Webhooks reference library itself, as a sender would sign them.
const secret = `whsec_${btoa("a test endpoint secret, 32 bytes!")}`;
const rotated = `whsec_${btoa("the endpoint's next secret, 32 b!")}`;
const payload = { type: "reward.approved", timestamp: "2026-01-01T00:00:00Z", data: { reward_id: "rwd_1" } };
const body = JSON.stringify(payload);

function signed(options: { with?: string; at?: Date; body?: string; extraSignatures?: string[] } = {}) {
  const at = options.at ?? new Date();
  const signature = new Webhook(options.with ?? secret).sign("msg_2K1", at, options.body ?? body);
  return {
    "webhook-id": "msg_2K1",
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": [...(options.extraSignatures ?? []), signature].join(" "),
  };
}

const rejects = (promise: Promise<unknown>, reason: RegExp) =>
  expect(promise).rejects.toSatisfy((e: unknown) => e instanceof VouchWebhookError && reason.test(e.message));

describe("verifyWebhook", () => {
  test("a genuine delivery: as a Request, as { headers, body }, with Node's header object and a byte body", async () => {
    const headers = signed();
    const request = new Request("https://acme.example/webhooks/vouch", { method: "POST", headers, body });
    expect(await verifyWebhook(request, secret)).toEqual(payload);
    expect(await verifyWebhook({ headers: new Headers(headers), body }, secret)).toEqual(payload);
    const nodeHeaders = { ...headers, "content-type": "application/json", "set-cookie": ["a=1"] };
    expect(await verifyWebhook({ headers: nodeHeaders, body: new TextEncoder().encode(body) }, secret)).toEqual(
      payload,
    );
  });

  test("a tampered body is refused", async () => {
    await rejects(verifyWebhook({ headers: signed(), body: body.replace("rwd_1", "rwd_2") }, secret), /signature/);
  });

  test("a delivery older (or newer) than 5 minutes is refused, a replay", async () => {
    const old = signed({ at: new Date(Date.now() - 6 * 60_000) });
    await rejects(verifyWebhook({ headers: old, body }, secret), /too old/);
    const future = signed({ at: new Date(Date.now() + 6 * 60_000) });
    await rejects(verifyWebhook({ headers: future, body }, secret), /too new/);
    const recent = signed({ at: new Date(Date.now() - 4 * 60_000) });
    expect(await verifyWebhook({ headers: recent, body }, secret)).toEqual(payload);
  });

  test("the wrong secret, or missing headers, are refused", async () => {
    await rejects(verifyWebhook({ headers: signed({ with: rotated }), body }, secret), /signature/);
    const { "webhook-id": _id, ...headless } = signed();
    await rejects(verifyWebhook({ headers: headless, body }, secret), /headers/);
  });

  test("while the sender rotates, any one of several signatures may match", async () => {
    const old = new Webhook(rotated).sign("msg_2K1", new Date(), body);
    expect(await verifyWebhook({ headers: signed({ extraSignatures: [old, "v2,not-ours"] }), body }, secret)).toEqual(
      payload,
    );
  });

  test("while you rotate, give both secrets: either verifies", async () => {
    expect(await verifyWebhook({ headers: signed({ with: rotated }), body }, [secret, rotated])).toEqual(payload);
    await rejects(verifyWebhook({ headers: signed({ with: rotated }), body }, [secret]), /signature/);
  });
});
