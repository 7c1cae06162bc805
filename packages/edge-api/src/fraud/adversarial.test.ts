/**
 * A dishonest member plays against the real API, end to end: fake leads from her own browser, throwaway
 * and alias addresses, lead squatting, forged tokens and identities, replayed renewals. Whatever she does,
 * no reward of hers becomes payable unless an admin approves its review, and the honest member she tried to
 * rob is paid once the admin has looked.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  browser,
  convertThroughVisit,
  makeProgram,
  referralOf,
  server,
  sign,
  type TestProgram,
} from "../../test/fixtures";
import worker from "../index";
import { base64UrlEncode, hmacSha256 } from "../lib/crypto";

type Json = Record<string, any>;
const MALLORY_IP = "203.0.113.66";
const usd = (value: number) => ({ type: "flat", value });

let p: TestProgram;
let mallory: Json;
let rita: Json;

async function enrolFrom(ip: string, member: Json) {
  const signature = await sign(p.identitySecret, member.id);
  const { res, json } = await browser(p, "/v1/members/me", { member, signature }, { ip });
  expect(res.status).toBe(200);
  return json;
}

async function allRewards(): Promise<Json[]> {
  const { json } = await server(p, "GET", "/v1/rewards?limit=200");
  return json.data;
}

/** What a payout run could pay right now: the cron has run, and the admin tries to approve everything. */
async function payableNow(): Promise<Json[]> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
  const ids = (await allRewards()).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 100) {
    await server(p, "POST", "/v1/rewards/approve", { ids: ids.slice(i, i + 100) });
  }
  return (await allRewards()).filter((r) => r.state === "approved");
}

beforeAll(async () => {
  p = await makeProgram();
  const rules = await server(p, "PUT", "/v1/reward-rules", {
    approval: "auto",
    rules: [
      { id: "per-signup", trigger: "lead", recipient: "member", kind: "cash", amount: usd(1000), currency: "USD" },
      {
        id: "per-customer",
        trigger: "converted",
        recipient: "member",
        kind: "cash",
        amount: usd(10_000),
        currency: "USD",
      },
      {
        id: "renewal-share",
        trigger: "renewed",
        recipient: "member",
        kind: "cash",
        amount: { type: "percent", percent: 10 },
        currency: "USD",
      },
    ],
    raffle: { entries: { lead: 1, converted: 5 } },
  });
  expect(rules.res.status).toBe(201);
  mallory = await enrolFrom(MALLORY_IP, { id: "mallory", email: "mallory.m@gmail.com", name: "Mallory" });
  rita = await enrolFrom("198.51.100.20", { id: "rita", email: "rita@northwind.test", name: "Rita" });
});

describe("a dishonest member", () => {
  it("cannot be paid for sign-ups she makes up, from her own browser or anyone's", async () => {
    // From her own browser, through her panel and through her own link.
    for (let i = 0; i < 6; i++) {
      const viaPanel = await browser(
        p,
        "/v1/track/lead",
        { email: `lead${i}@company${i}.test`, member_token: mallory.member_token },
        { ip: MALLORY_IP },
      );
      expect(viaPanel.res.status).toBe(202);
    }
    const visit = await browser(p, "/v1/track/visit", { code: mallory.member.code }, { ip: MALLORY_IP });
    await browser(
      p,
      "/v1/track/lead",
      { email: "own-link@company.test", click_id: visit.json.click_id },
      { ip: MALLORY_IP },
    );
    // From other addresses, with throwaway mailboxes.
    for (const email of ["a@mailinator.com", "b@guerrillamail.com"]) {
      await browser(p, "/v1/track/lead", { email, code: mallory.member.code });
    }
    // Every sign-up reward waits: for qualification, and for review where a rule flagged it.
    const mine = (await allRewards()).filter((r) => r.member_id === mallory.member.id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.state === "in_review" || r.awaiting_qualification)).toBe(true);
    const flagged = await server(p, "GET", `/v1/reviews?status=open&member_id=${mallory.member.id}&limit=200`);
    const rules = new Set(flagged.json.data.flatMap((r: Json) => r.reasons.map((s: Json) => s.rule)));
    expect(rules).toEqual(new Set(["same_visitor", "visitor_velocity", "disposable_email"]));
    expect((await payableNow()).filter((r) => r.member_id === mallory.member.id)).toEqual([]);
  });

  it("cannot refer herself under another spelling of her address", async () => {
    for (const email of ["mallorym@gmail.com", "Mallory.M+1@googlemail.com", "m.a.l.l.o.r.y.m@gmail.com"]) {
      const r = await browser(p, "/v1/track/lead", { email, member_token: mallory.member_token });
      expect(r.json.error?.code, email).toBe("self_referral");
      // Through her public link the answer gives nothing away, and nothing is recorded.
      const hidden = await browser(p, "/v1/track/lead", { email, code: mallory.member.code });
      expect(hidden.json).toEqual({ accepted: true });
    }
    expect(await referralOf(p, "mallorym@gmail.com")).toBeUndefined();
  });

  it("cannot forge a member token or an identity", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    // A token for Rita from a host that signs ids Mallory chooses.
    const hostSigned = await hmacSha256(p.identitySecret, `member-token:${p.id}:${rita.member.id}:${exp}`);
    const asRita = `mt_${rita.member.id}.${exp}.${base64UrlEncode(hostSigned)}`;
    const forged = await browser(p, "/v1/track/lead", { email: "x@globex.test", member_token: asRita });
    expect(forged.json.error.code).toBe("invalid_member_token");
    // Her own token's signature, stretched to a year.
    const [, , sig] = String(mallory.member_token).split(".");
    const stretched = `mt_${mallory.member.id}.${exp + 365 * 86_400}.${sig}`;
    expect((await browser(p, "/v1/track/share", { member_token: stretched, channel: "x" })).res.status).toBe(401);
    // Her token as a host signature of a member she makes up.
    const bytes = Uint8Array.from(atob(String(sig).replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const fake = await browser(p, "/v1/members/me", {
      member: { id: `member-token:${p.id}:${mallory.member.id}:${String(mallory.member_token).split(".")[1]}` },
      signature: hex,
    });
    expect(fake.json.error.code).toBe("invalid_signature");
  });

  it("cannot squat a prospect who arrives through an honest member's link", async () => {
    await browser(p, "/v1/track/lead", { email: "cfo@initech.test", member_token: mallory.member_token });
    const conv = await convertThroughVisit(p, rita.member.code, {
      email: "CFO@initech.test",
      value_cents: 120_000,
      currency: "USD",
    });
    expect(conv.json.referral.member_id).toBe(rita.member.id);
    const onIt = (await allRewards()).filter((r) => r.referral_id === conv.json.referral.id);
    expect(onIt.filter((r) => r.member_id === mallory.member.id).every((r) => r.state === "voided")).toBe(true);
    expect(onIt.filter((r) => r.member_id === rita.member.id && r.state !== "voided").map((r) => r.state)).toEqual([
      "in_review",
    ]);
    // Nothing on it is payable until an admin looks.
    expect((await payableNow()).filter((r) => r.referral_id === conv.json.referral.id)).toEqual([]);
  });

  it("cannot be paid twice for one renewal by replaying the billing webhook", async () => {
    const conv = await convertThroughVisit(p, mallory.member.code, {
      email: "buyer@hooli.test",
      value_cents: 10_000,
      currency: "USD",
    });
    const id = conv.json.referral.id;
    const bare = await server(p, "PATCH", `/v1/referrals/${id}`, {
      status: "renewed",
      value_cents: 10_000,
      currency: "USD",
    });
    expect(bare.json.error.code).toBe("idempotency_key_required");
    const renewal = { status: "renewed", value_cents: 10_000, currency: "USD", invoice_id: "in_2027_02" };
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => server(p, "PATCH", `/v1/referrals/${id}`, renewal)),
    );
    expect(replies.every((r) => r.res.status === 200 || r.json.error?.code === "conflict")).toBe(true);
    const renewals = (await allRewards()).filter((r) => r.referral_id === id && r.rule.id === "renewal-share");
    expect(renewals).toHaveLength(1);
  });

  it("has nothing payable that no admin approved, and the admin's decisions settle it", async () => {
    const payable = await payableNow();
    const reviews = await server(p, "GET", "/v1/reviews?limit=200");
    const underReview = new Set(
      reviews.json.data.filter((r: Json) => r.status !== "approved").map((r: Json) => r.referral_id),
    );
    for (const r of payable) expect(underReview.has(r.referral_id), r.id).toBe(false);
    // Her made-up sign-ups never became payable; only the real customer bought through her link is.
    const hers = payable.filter((r) => r.member_id === mallory.member.id);
    expect(hers.map((r) => r.rule.id).sort()).toEqual(["per-customer", "per-signup", "renewal-share"]);
    expect(new Set(hers.map((r) => r.referral_id)).size).toBe(1);

    // The admin rejects everything flagged against her, and approves Rita's clashing conversion.
    for (const review of reviews.json.data.filter((r: Json) => r.status === "open")) {
      const action = review.member_id === mallory.member.id ? "reject" : "approve";
      const decided = await server(p, "POST", `/v1/reviews/${review.id}/${action}`, { reason: "checked the CRM" });
      expect(decided.res.status).toBe(200);
      const again = await server(p, "POST", `/v1/reviews/${review.id}/${action}`, { reason: "twice" });
      expect(again.json.error.code).toBe("review_closed");
    }
    const after = await payableNow();
    expect(after.some((r) => r.member_id === rita.member.id && r.rule.id === "per-customer")).toBe(true);
    const rejected = (await allRewards()).filter(
      (r) => r.member_id === mallory.member.id && underReview.has(r.referral_id),
    );
    expect(rejected.every((r) => r.state === "voided")).toBe(true);
    const squatted = await server(p, "GET", `/v1/referrals/${(await referralOf(p, "cfo@initech.test")).id}`);
    expect(squatted.json.audit.map((a: Json) => a.action)).toEqual(["review.flagged", "review.approved"]);
  });
});
