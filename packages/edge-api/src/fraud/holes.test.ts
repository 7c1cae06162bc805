/**
 * Issue 9's reward-abuse holes, one `describe` per hole, each reproduced against the real API and D1.
 * Every test here failed on the code before the fix (see the commit that added it).
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  API,
  browser,
  convertThroughVisit,
  enrol,
  makeProgram,
  server,
  sign,
  type TestProgram,
} from "../../test/fixtures";
import { base64UrlEncode, hmacSha256 } from "../lib/crypto";

type Json = Record<string, any>;

async function putRules(p: TestProgram, rules: Json) {
  const { res, json } = await server(p, "PUT", "/v1/reward-rules", rules);
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
}

async function rewardsOf(p: TestProgram, query = ""): Promise<Json[]> {
  const { res, json } = await server(p, "GET", `/v1/rewards?limit=200${query}`);
  expect(res.status).toBe(200);
  return json.data;
}

async function referralByEmail(p: TestProgram, email: string): Promise<Json | undefined> {
  const { json } = await server(p, "GET", `/v1/referrals?email=${encodeURIComponent(email)}`);
  return json.data[0];
}

const usd = (value: number) => ({ type: "flat", value });
/** One rule: the member gets `cents` in cash when their friend converts. */
const bounty = (cents: number) => ({
  rules: [
    { id: "bounty", trigger: "converted", recipient: "member", kind: "cash", amount: usd(cents), currency: "USD" },
  ],
});

describe("hole 1: member tokens have their own key", () => {
  it("a member token's MAC is not an identity signature for any external id", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const [, memberId, exp, sig] = /^mt_(mem_[A-Za-z0-9]+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(me.member_token) ?? [];
    expect(memberId).toBe(me.member.id);
    // The token's signature, re-encoded as hex, used as the host's signature of the token's own message.
    const bytes = Uint8Array.from(atob(String(sig).replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const externalId = `member-token:${p.id}:${memberId}:${exp}`;
    const { res, json } = await browser(p, "/v1/members/me", {
      member: { id: externalId, email: "payout@attacker.test" },
      signature: hex,
    });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_signature");
  });

  it("a host that signs user-chosen ids cannot be used to mint a member token", async () => {
    const p = await makeProgram();
    const victim = await enrol(p, { id: "victim", email: "victim@northwind.test" });
    const exp = Math.floor(Date.now() / 1000) + 3600;
    // The attacker picks the external id; the host signs it with the identity secret, as hosts do.
    const mac = await hmacSha256(p.identitySecret, `member-token:${p.id}:${victim.member.id}:${exp}`);
    const forged = `mt_${victim.member.id}.${exp}.${base64UrlEncode(mac)}`;
    const { res, json } = await browser(p, "/v1/track/share", { member_token: forged, channel: "x" });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_member_token");
  });

  it("refuses a correctly signed token whose exp is beyond now + the token lifetime", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const row = await env.DB.prepare("SELECT token_secret FROM programs WHERE id = ?")
      .bind(p.id)
      .first<{ token_secret: string }>();
    const { memberTokenFor } = await import("../members/identity");
    const farFuture = Date.now() + 400 * 86_400_000;
    const token = await memberTokenFor(String(row?.token_secret), p.id, me.member.id, farFuture);
    const { res, json } = await browser(p, "/v1/track/share", { member_token: token, channel: "x" });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_member_token");
    // The same key with a normal lifetime works, so the refusal above is about exp alone.
    const fine = await memberTokenFor(String(row?.token_secret), p.id, me.member.id, Date.now() + 3600_000);
    expect((await browser(p, "/v1/track/share", { member_token: fine, channel: "x" })).res.status).toBe(201);
  });
});

describe("hole 2: no money for unverified leads", () => {
  const perSignUp = {
    approval: "auto",
    rules: [
      {
        id: "credit-per-signup",
        trigger: "lead",
        recipient: "member",
        kind: "account_credit",
        amount: usd(1000),
        currency: "USD",
      },
    ],
    raffle: { entries: { lead: 1 } },
  };

  it("a lead-triggered money reward waits for qualification, then approves itself", async () => {
    const p = await makeProgram();
    await putRules(p, perSignUp);
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const lead = await browser(p, "/v1/track/lead", { email: "fake1@globex.test", code: me.member.code });
    expect(lead.res.status).toBe(202);
    const [reward] = await rewardsOf(p);
    expect(reward).toMatchObject({ state: "pending", awaiting_qualification: true });
    const approve = await server(p, "POST", "/v1/rewards/approve", { ids: [reward?.id] });
    expect(approve.json.approved).toHaveLength(0);
    expect(approve.json.skipped[0]).toMatchObject({ reason: "awaiting_qualification" });
    // The raffle entry of the lead does not count before qualification either.
    const entries = await server(p, "GET", "/v1/raffle/entries");
    expect(entries.json.total_entries).toBe(0);

    const referral = await referralByEmail(p, "fake1@globex.test");
    const q = await server(p, "PATCH", `/v1/referrals/${referral?.id}`, { status: "qualified" });
    expect(q.res.status).toBe(200);
    const [after] = await rewardsOf(p);
    expect(after).toMatchObject({ id: reward?.id, state: "approved", awaiting_qualification: false });
    const later = await server(p, "GET", "/v1/raffle/entries");
    expect(later.json.total_entries).toBe(1);
  });

  it("caps the leads one member can bring in a day", async () => {
    const p = await makeProgram({ fraud_rules: { daily_lead_cap: { action: "block", max_per_day: 3 } } } as Json);
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    for (let i = 0; i < 5; i++) {
      const r = await browser(p, "/v1/track/lead", { email: `p${i}@co${i}.test`, member_token: me.member_token });
      expect(r.res.status).toBe(202);
    }
    const { json } = await server(p, "GET", `/v1/referrals?member_id=${me.member.id}`);
    expect(json.data).toHaveLength(3);
    const blocked = await server(p, "GET", "/v1/reviews?status=blocked");
    expect(blocked.json.data).toHaveLength(2);
    expect(blocked.json.data[0].reasons.map((r: Json) => r.rule)).toContain("daily_lead_cap");
  });
});

describe("hole 3: lead squatting", () => {
  it("the customer's own visit beats an earlier lead, and the clash waits for review", async () => {
    const p = await makeProgram();
    await putRules(p, bounty(10_000));
    const squatter = await enrol(p, { id: "squatter", email: "sq@squat.test" });
    const real = await enrol(p, { id: "real", email: "real@northwind.test" });
    // The squatter types the prospect's email into their panel first…
    await browser(p, "/v1/track/lead", { email: "pat@globex.test", member_token: squatter.member_token });
    // …but Pat arrives through the real member's link, and the vendor's checkout passes that click id.
    const conv = await convertThroughVisit(p, real.member.code, {
      email: "pat@globex.test",
      value_cents: 50_000,
      currency: "USD",
    });
    expect(conv.res.status).toBeLessThan(300);
    expect(conv.json.referral.member_id).toBe(real.member.id);
    const rewards = await rewardsOf(p);
    expect(rewards.filter((r) => r.member_id === squatter.member.id && r.state !== "voided")).toHaveLength(0);
    expect(rewards.filter((r) => r.member_id === real.member.id).map((r) => r.state)).toEqual(["in_review"]);
    const reviews = await server(p, "GET", "/v1/reviews?status=open");
    expect(reviews.json.data).toHaveLength(1);
    expect(reviews.json.data[0].reasons[0]).toMatchObject({
      rule: "attribution_conflict",
      evidence: { lead_member_id: squatter.member.id, visit_member_id: real.member.id },
    });
  });
});

describe("hole 4: unsigned profile fields and email aliases", () => {
  it("the self-referral check sees every address the member used; the host's signed email replaces unsigned ones", async () => {
    const p = await makeProgram();
    const signature = await sign(p.identitySecret, "u1");
    // The member enrols first from a console, with a decoy address.
    await browser(p, "/v1/members/me", { member: { id: "u1", email: "decoy@else.test" }, signature });
    // The host's page then sends the real one, unsigned as every HMAC call is.
    const page = await browser(p, "/v1/members/me", {
      member: { id: "u1", email: "dana.w@gmail.com", name: "Dana" },
      signature,
    });
    // Unsigned values only fill empty fields (an id signature says nothing about the email)…
    expect(page.json.member).toMatchObject({ email: "decoy@else.test", email_verified: false });
    for (const alias of ["danaw@gmail.com", "Dana.W+ref@googlemail.com", "decoy+1@else.test"]) {
      const r = await browser(p, "/v1/track/lead", { email: alias, member_token: page.json.member_token });
      expect(r.res.status, alias).toBe(422);
      expect(r.json.error.code).toBe("self_referral");
    }
    // The host's server (secret key) is trusted and replaces the browser's value for good.
    const member = page.json.member;
    await server(p, "POST", "/v1/members", { id: "u1", email: "dana@northwind.test" });
    const later = await browser(p, "/v1/members/me", { member: { id: "u1", email: "x@else.test" }, signature });
    expect(later.json.member.id).toBe(member.id);
    expect(later.json.member).toMatchObject({ email: "dana@northwind.test", email_verified: true });
  });

  it("the same person under two spellings of their address is one referral", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "pat.smith@gmail.com", code: me.member.code });
    await browser(p, "/v1/track/lead", { email: "PatSmith+promo@gmail.com", code: me.member.code });
    const { json } = await server(p, "GET", `/v1/referrals?member_id=${me.member.id}`);
    expect(json.data).toHaveLength(1);
    // A conversion under the other spelling finds the same referral.
    const conv = await server(p, "POST", "/v1/conversions", { email: "patsmith@googlemail.com" });
    expect(conv.json.referral.id).toBe(json.data[0].id);
  });
});

describe("hole 5: rotation, timestamps, suspension", () => {
  it("rotates the identity secret with a grace period in which both secrets verify", async () => {
    const p = await makeProgram();
    const rotated = await server(p, "POST", "/v1/program/identity-secret/rotate", { grace_hours: 24 });
    expect(rotated.res.status).toBe(201);
    expect(rotated.json.identity_secret).toMatch(/^vch_is_/);
    expect(rotated.json.identity_secret).not.toBe(p.identitySecret);
    const old = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      signature: await sign(p.identitySecret, "u1"),
    });
    expect(old.res.status).toBe(200);
    const fresh = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      signature: await sign(rotated.json.identity_secret, "u1"),
    });
    expect(fresh.res.status).toBe(200);
    // Rotating again with no grace ends the old secrets at once.
    const again = await server(p, "POST", "/v1/program/identity-secret/rotate", { grace_hours: 0 });
    const stale = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      signature: await sign(rotated.json.identity_secret, "u1"),
    });
    expect(stale.json.error.code).toBe("invalid_signature");
    const newest = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      signature: await sign(again.json.identity_secret, "u1"),
    });
    expect(newest.res.status).toBe(200);
  });

  it("accepts a signed timestamp, refuses a stale one, and can require one", async () => {
    const p = await makeProgram();
    const { signIdentityAt } = await import("../members/identity");
    const nowS = Math.floor(Date.now() / 1000);
    const fresh = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      timestamp: nowS,
      signature: await signIdentityAt(p.identitySecret, "u1", nowS),
    });
    expect(fresh.res.status).toBe(200);
    const staleAt = nowS - 2 * 86_400;
    const stale = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      timestamp: staleAt,
      signature: await signIdentityAt(p.identitySecret, "u1", staleAt),
    });
    expect(stale.json.error.code).toBe("invalid_signature");
    await server(p, "PATCH", "/v1/program", { require_signature_timestamp: true });
    const plain = await browser(p, "/v1/members/me", {
      member: { id: "u1" },
      signature: await sign(p.identitySecret, "u1"),
    });
    expect(plain.res.status).toBe(401);
    expect(plain.json.error.code).toBe("signature_required");
  });

  it("a suspended member's link records nothing new and earns nothing; their widget says so", async () => {
    const p = await makeProgram();
    await putRules(p, bounty(5000));
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "early@globex.test", code: me.member.code });
    const suspended = await server(p, "POST", `/v1/members/${me.member.id}/suspend`, { reason: "fake leads" });
    expect(suspended.res.status).toBe(200);
    expect(suspended.json.member.status).toBe("suspended");

    const visit = await browser(p, "/v1/track/visit", { code: me.member.code });
    expect(visit.res.status).toBe(404);
    const lead = await browser(p, "/v1/track/lead", { email: "late@globex.test", code: me.member.code });
    expect(lead.res.status).toBe(202);
    expect(await referralByEmail(p, "late@globex.test")).toBeUndefined();
    const conv = await server(p, "POST", "/v1/conversions", { email: "early@globex.test" });
    expect(conv.json.referral.status).toBe("converted");
    expect(await rewardsOf(p)).toHaveLength(0);

    const widget = await enrol(p, { id: "u1" });
    expect(widget.member.status).toBe("suspended");
    expect(widget.member_token).toBe("");
    const audit = await server(p, "GET", `/v1/members/${me.member.id}`);
    expect(audit.json.member).toMatchObject({ status: "suspended", suspended_reason: "fake leads" });
  });
});

describe("hole 6: enumeration and open redirect", () => {
  it("new and duplicate leads, and a hidden self-referral, get the same answer from the browser", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const answers = [];
    for (const email of ["pat@globex.test", "pat@globex.test", "dana@northwind.test"]) {
      const { res, json } = await browser(p, "/v1/track/lead", { email, code: me.member.code });
      answers.push({ status: res.status, json });
    }
    expect(answers[0]).toEqual({ status: 202, json: { accepted: true } });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await referralByEmail(p, "dana@northwind.test")).toBeUndefined();
  });

  it("a same-domain refusal on the member's own panel does not name the member's address", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const r = await browser(p, "/v1/track/lead", { email: "sam@northwind.test", member_token: me.member_token });
    expect(r.json.error.code).toBe("self_referral");
    expect(JSON.stringify(r.json)).not.toContain("dana");
    expect(r.json.error.details).toEqual({ reason: "same_domain" });
  });

  it("rate limits /r/ per client address", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    let limited: Response | undefined;
    for (let i = 0; i < 200 && !limited; i++) {
      const res = await SELF.fetch(`${API}/r/${me.member.code}`, {
        redirect: "manual",
        headers: { "cf-connecting-ip": "198.51.100.77" },
      });
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    expect(((await limited?.json()) as Json & any)?.error.code).toBe("rate_limited");
  });

  it("a program's landing page must be on one of its allowed origins", async () => {
    const p = await makeProgram();
    const { res, json } = await server(p, "PATCH", "/v1/program", { landing_url: "https://evil.test/phish" });
    expect(res.status).toBe(422);
    expect(json.error.details[0].path).toBe("landing_url");
    const ok = await server(p, "PATCH", "/v1/program", { landing_url: "https://www.acme.test/join" });
    expect(ok.res.status).toBe(200);
  });

  it("codes are unique per program: one tenant can neither see nor squat another's", async () => {
    const a = await makeProgram();
    const b = await makeProgram();
    const first = await server(a, "POST", "/v1/members", { id: "x", code: "NORTHWIND" });
    expect(first.res.status).toBe(201);
    const second = await server(b, "POST", "/v1/members", { id: "y", code: "NORTHWIND" });
    expect(second.res.status).toBe(201);
    // Each program's short link resolves its own member.
    const res = await SELF.fetch(`${API}/r/${second.json.member.short_link.split("/r/")[1]}`, { redirect: "manual" });
    expect(res.status).toBe(302);
  });
});

describe("hole 7: replays and odd inputs", () => {
  it("refuses a renewal without an Idempotency-Key or invoice id, and pays a retried one once", async () => {
    const p = await makeProgram();
    await putRules(p, {
      rules: [{ id: "rec", trigger: "renewed", recipient: "member", kind: "cash", amount: usd(1000), currency: "USD" }],
    });
    const me = await enrol(p, { id: "u1" });
    const conv = await server(p, "POST", "/v1/conversions", { email: "pat@globex.test", code: me.member.code });
    const id = conv.json.referral.id;
    const bare = await server(p, "PATCH", `/v1/referrals/${id}`, { status: "renewed" });
    expect(bare.res.status).toBe(422);
    expect(bare.json.error.code).toBe("idempotency_key_required");
    for (let i = 0; i < 3; i++) {
      const r = await server(p, "PATCH", `/v1/referrals/${id}`, { status: "renewed", invoice_id: "in_2027_01" });
      expect(r.res.status).toBe(200);
    }
    expect(await rewardsOf(p)).toHaveLength(1);
  });

  it("a plan named like an Object.prototype property is a plan, not a 500", async () => {
    const p = await makeProgram();
    await putRules(p, {
      rules: [
        {
          id: "by-plan",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          currency: "USD",
          amount: { type: "by_plan", plans: { growth: 5000 } },
        },
      ],
    });
    const me = await enrol(p, { id: "u1" });
    for (const plan of ["constructor", "__proto__", "toString"]) {
      const r = await server(p, "POST", "/v1/conversions", {
        email: `${plan.replace(/_/g, "")}@globex.test`,
        code: me.member.code,
        plan,
      });
      expect(r.res.status, plan).toBe(201);
    }
    expect(await rewardsOf(p)).toHaveLength(0);
  });
});

describe("hole 8: refunds take back what was not paid, and claw back what was", () => {
  it("voids the refunded customer's unpaid rewards and the milestone they no longer reach", async () => {
    const p = await makeProgram();
    await putRules(p, {
      approval: "manual",
      rules: [
        {
          id: "percent",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          currency: "USD",
          amount: { type: "percent", percent: 20 },
        },
        {
          id: "third",
          trigger: "converted",
          recipient: "member",
          kind: "cash",
          currency: "USD",
          amount: usd(25_000),
          milestone: { at: 3 },
        },
      ],
    });
    const me = await enrol(p, { id: "u1" });
    const ids: string[] = [];
    for (const f of ["a", "b", "c"]) {
      const r = await server(p, "POST", "/v1/conversions", {
        email: `${f}@co-${f}.test`,
        code: me.member.code,
        value_cents: 10_000,
        currency: "USD",
      });
      ids.push(r.json.referral.id);
    }
    expect((await rewardsOf(p)).filter((r) => r.state === "pending")).toHaveLength(4);
    const refund = await server(p, "PATCH", `/v1/referrals/${ids[0]}`, { status: "refunded" });
    expect(refund.res.status).toBe(200);
    const after = await rewardsOf(p);
    const live = after.filter((r) => r.state !== "voided");
    expect(live.map((r) => [r.referral_id, r.rule.id]).sort()).toEqual(
      [
        [ids[1], "percent"],
        [ids[2], "percent"],
      ].sort(),
    );
    const approve = await server(p, "POST", "/v1/rewards/approve", {
      ids: after.filter((r) => r.referral_id === ids[0]).map((r) => r.id),
    });
    expect(approve.json.approved).toHaveLength(0);
  });

  it("a paid reward is never edited: the refund adds a clawback the next payout nets", async () => {
    const p = await makeProgram();
    await putRules(p, bounty(5000));
    const me = await enrol(p, { id: "u1" });
    const a = await server(p, "POST", "/v1/conversions", { email: "a@co-a.test", code: me.member.code });
    await server(p, "POST", "/v1/conversions", { email: "b@co-b.test", code: me.member.code });
    const [first] = await rewardsOf(p, `&referral_id=${a.json.referral.id}`);
    const paid = await server(p, "POST", "/v1/rewards/pay", { ids: [first?.id], payout_reference: "run-1" });
    expect(paid.res.status).toBe(201);
    await server(p, "PATCH", `/v1/referrals/${a.json.referral.id}`, { status: "refunded" });
    const original = (await rewardsOf(p)).find((r) => r.id === first?.id);
    expect(original).toMatchObject({ state: "paid", amount: 5000 });
    const clawback = (await rewardsOf(p)).find((r) => r.clawback_of === first?.id);
    expect(clawback).toMatchObject({ state: "approved", amount: -5000, currency: "USD", member_id: me.member.id });
    const run = await server(p, "POST", "/v1/rewards/pay", {
      ids: (await rewardsOf(p, "&state=approved")).map((r) => r.id),
      payout_reference: "run-2",
    });
    expect(run.json.payout.totals).toEqual({ USD: 0 });
  });
});

describe("review findings", () => {
  it("a host's plain signature of a chosen id never yields a derived key (timestamped signatures)", async () => {
    const p = await makeProgram();
    // The attacker signs up at the host with the user id "vouch:signed-identity:v1"; the host signs it.
    const leaked = await sign(p.identitySecret, "vouch:signed-identity:v1");
    const ts = Math.floor(Date.now() / 1000);
    const forged = await sign(leaked, `${ts}.victim-42`);
    const { res, json } = await browser(p, "/v1/members/me", {
      member: { id: "victim-42" },
      timestamp: ts,
      signature: forged,
    });
    expect(res.status).toBe(401);
    expect(json.error.code).toBe("invalid_signature");
  });
});
