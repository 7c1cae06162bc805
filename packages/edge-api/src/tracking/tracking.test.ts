import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, eventually, landedVisits, makeProgram, referralOf, server } from "../../test/fixtures";
import { CLICK_ID_PATTERN, mintClickId } from "./click-id";

describe("POST /v1/track/visit", () => {
  it("records a visit with a click id, case-insensitively by code", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", name: "Dana" });
    const { res, json } = await browser(p, "/v1/track/visit", {
      code: me.member.code.toLowerCase(),
      landing_url: "https://acme.test/?via=x",
      sub_source: "newsletter",
      utm_campaign: "spring",
    });
    expect(res.status).toBe(201);
    expect(json.click_id).toMatch(CLICK_ID_PATTERN);
    expect(json.code).toBe(me.member.code);
    expect(json.attribution).toEqual({ model: "first", window_days: 90 });
    // The row is written by the queue's consumer, a moment after the answer.
    const [row] = await landedVisits(p.id, 1);
    expect(row).toMatchObject({
      id: json.click_id,
      member_id: me.member.id,
      campaign: "spring",
      sub_source: "newsletter",
    });
    expect(row.visitor_hash).toHaveLength(32);
  });

  it("404s an unknown code and another program's code", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const theirs = await enrol(other, { id: "o1" });
    for (const code of ["ZZZZZZZZ", theirs.member.code]) {
      const { res, json } = await browser(p, "/v1/track/visit", { code });
      expect(res.status).toBe(404);
      expect(json.error.code).toBe("unknown_code");
    }
  });

  it("stores 200 concurrent visits as 200 rows, through the queue", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u-burst" });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => browser(p, "/v1/track/visit", { code: me.member.code })),
    );
    expect(results.every((r) => r.res.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.json.click_id)).size).toBe(200);
    const rows = await landedVisits(p.id, 200);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(results.map((r) => r.json.click_id)));
  });

  it("checks a code with one indexed read, which each isolate then caches", async () => {
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT m.id FROM members m WHERE m.code = ? AND m.program_id = ?",
    )
      .bind("X", "Y")
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(/USING INDEX sqlite_autoindex_members/);
  });
});

describe("POST /v1/track/share", () => {
  it("records a share by the member behind the token", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const { res, json } = await browser(p, "/v1/track/share", { member_token: me.member_token, channel: "linkedin" });
    expect(res.status).toBe(201);
    expect(json.share.channel).toBe("linkedin");
    const again = await enrol(p, { id: "u1" });
    expect(again.stats.shares).toBe(1);
  });

  it("refuses a forged or foreign member token and an unknown channel", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const theirs = await enrol(other, { id: "u1" });
    const foreign = await browser(p, "/v1/track/share", { member_token: theirs.member_token, channel: "x" });
    expect(foreign.res.status).toBe(401);
    expect(foreign.json.error.code).toBe("invalid_member_token");
    const forged = await browser(p, "/v1/track/share", { member_token: "mt_mem_abc.99999999999.AAAA", channel: "x" });
    expect(forged.json.error.code).toBe("invalid_member_token");
    const me = await enrol(p, { id: "u2" });
    const channel = await browser(p, "/v1/track/share", { member_token: me.member_token, channel: "myspace" });
    expect(channel.res.status).toBe(422);
  });
});

describe("POST /v1/track/lead", () => {
  it("stores only the company sizes the widget's peer form offers; a page's own wording is left out", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const own = await browser(p, "/v1/track/lead", {
      email: "sam@initech.test",
      code: me.member.code,
      size: "50-100 people",
    });
    expect(own.res.status).toBe(202);
    expect((await referralOf(p, "sam@initech.test")).friend.company_size).toBeNull();
    const listed = await browser(p, "/v1/track/lead", {
      email: "kim@initech.test",
      code: me.member.code,
      size: "1001+",
    });
    expect(listed.res.status).toBe(202);
    expect((await referralOf(p, "kim@initech.test")).friend.company_size).toBe("1001+");
  });

  it("attributes a sign-up by click id and counts a repeat as the same referral", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const visit = await browser(p, "/v1/track/visit", { code: me.member.code, campaign: "q4" });
    const lead = { email: "Pat@Globex.test", name: "Pat", company: "Globex", role: "CFO", size: "51-200" };
    const first = await browser(p, "/v1/track/lead", { ...lead, click_id: visit.json.click_id });
    // The key is public: the browser learns only that the lead was received.
    expect(first.res.status).toBe(202);
    expect(first.json).toEqual({ accepted: true });
    // Attributed at once by the signed click id; the campaign comes with the visit's row, from the queue.
    const stored = await eventually(
      () => referralOf(p, lead.email),
      (r) => r?.campaign === "q4",
    );
    expect(stored).toMatchObject({
      member_id: me.member.id,
      click_id: visit.json.click_id,
      status: "lead",
      source: "form",
      campaign: "q4",
      friend: { email: "pat@globex.test", name: "Pat", company: "Globex", role: "CFO", company_size: "51-200" },
    });
    await server(p, "POST", "/v1/conversions", {
      email: lead.email,
      plan: "growth",
      value_cents: 99_00,
      currency: "USD",
    });
    // A repeat gets the very same answer, and says nothing about the earlier referral.
    const repeat = await browser(p, "/v1/track/lead", { ...lead, code: me.member.code });
    expect({ status: repeat.res.status, json: repeat.json }).toEqual({ status: 202, json: { accepted: true } });
    // The repeat added no event: lead (form) and converted (server) only.
    const events = await server(p, "GET", `/v1/referrals/${stored.id}`);
    expect(events.json.events.map((e: any) => e.to)).toEqual(["lead", "converted"]);
  });

  it("attributes a typed code and a peer referral from the member's own panel", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    await browser(p, "/v1/track/lead", { email: "a@initech.test", code: me.member.code.toLowerCase() });
    const peer = await browser(p, "/v1/track/lead", {
      email: "b@initech.test",
      name: "Bo",
      member_token: me.member_token,
    });
    expect(peer.res.status).toBe(202);
    expect(await referralOf(p, "a@initech.test")).toMatchObject({ member_id: me.member.id, source: "form" });
    expect(await referralOf(p, "b@initech.test")).toMatchObject({ member_id: me.member.id, source: "peer" });
  });

  it("refuses self-referral by email and by company domain, but not by a shared free-mail domain", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const self = await browser(p, "/v1/track/lead", { email: "DANA@northwind.test", member_token: me.member_token });
    expect(self.res.status).toBe(422);
    expect(self.json.error).toMatchObject({ code: "self_referral", details: { reason: "same_email" } });
    const colleague = await browser(p, "/v1/track/lead", {
      email: "sam@northwind.test",
      member_token: me.member_token,
    });
    expect(colleague.json.error).toMatchObject({ code: "self_referral", details: { reason: "same_domain" } });
    expect(await referralOf(p, "sam@northwind.test")).toBeUndefined();

    const gmail = await enrol(p, { id: "u2", email: "dana@gmail.com" });
    const friend = await browser(p, "/v1/track/lead", { email: "pat@gmail.com", member_token: gmail.member_token });
    expect(friend.res.status).toBe(202);
    expect(await referralOf(p, "pat@gmail.com")).toMatchObject({ member_id: gmail.member.id });

    const open = await makeProgram({ block_same_domain: false });
    const openMember = await enrol(open, { id: "u1", email: "dana@northwind.test" });
    const allowed = await browser(open, "/v1/track/lead", {
      email: "sam@northwind.test",
      member_token: openMember.member_token,
    });
    expect(allowed.res.status).toBe(202);
    expect(await referralOf(open, "sam@northwind.test")).toMatchObject({ member_id: openMember.member.id });
  });

  it("refuses a lead with no attribution, an unknown click, and an expired click", async () => {
    const p = await makeProgram({ attribution: { model: "first", window_days: 30, param_names: ["via"] } });
    const none = await browser(p, "/v1/track/lead", { email: "x@y.test" });
    expect(none.res.status).toBe(422);
    expect(none.json.error.code).toBe("no_attribution");
    const unknown = await browser(p, "/v1/track/lead", { email: "x@y.test", click_id: "clk_AAAAAAAAAAAAAAAA" });
    expect(unknown.res.status).toBe(404);
    expect(unknown.json.error.code).toBe("unknown_click");
    const me = await enrol(p, { id: "u1" });
    // The click id carries its time: one from 31 days ago, signed with the program's own key.
    const row = await env.DB.prepare("SELECT token_secret FROM programs WHERE id = ?").bind(p.id).first<any>();
    const old = await mintClickId(
      { id: p.id, tokenSecret: row.token_secret },
      me.member.id,
      Date.now() - 31 * 86_400_000,
    );
    const expired = await browser(p, "/v1/track/lead", { email: "x@y.test", click_id: old });
    expect(expired.res.status).toBe(422);
    expect(expired.json.error.code).toBe("attribution_expired");
  });

  it("keeps one referral when the same lead arrives twenty times at once", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        browser(p, "/v1/track/lead", { email: "race@globex.test", code: me.member.code }),
      ),
    );
    expect(results.every((r) => r.res.status === 202)).toBe(true);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE program_id = ?")
      .bind(p.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});

describe("leads racing for one member's reward counts", () => {
  it("re-plans instead of failing when a lead rule depends on the member's other referrals", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    const rules = await server(p, "PUT", "/v1/reward-rules", {
      rules: [
        {
          id: "third-lead",
          trigger: "lead",
          recipient: "member",
          kind: "account_credit",
          amount: { type: "flat", value: 1000 },
          currency: "USD",
          milestone: { at: 3 },
        },
      ],
    });
    expect(rules.res.status).toBeLessThan(300);
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((f) =>
        browser(p, "/v1/track/lead", { email: `${f}@globex-${f}.test`, member_token: me.member_token }),
      ),
    );
    for (const r of results) expect([202, 409]).toContain(r.res.status);
    const landed = results.filter((r) => r.res.status === 202).length;
    expect(landed).toBeGreaterThan(0);
    const rewards = await server(p, "GET", "/v1/rewards");
    expect(rewards.json.data).toHaveLength(landed >= 3 ? 1 : 0);
  });
});

describe("GET /r/:program/:code", () => {
  it("redirects to the landing page with the code and sub-source", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const res = await SELF.fetch(`${API}/r/${p.slug}/${me.member.code.toLowerCase()}?vsrc=podcast`, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`https://www.acme.test/?via=${me.member.code}&vsrc=podcast`);
    expect(me.member.short_link).toBe(`${API}/r/${p.slug}/${me.member.code}`);
  });

  it("404s an unknown code, another program's code, and the retired /r/<code> form", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const theirs = await enrol(other, { id: "u1" });
    for (const path of [`/r/${p.slug}/NOPE1234`, `/r/${p.slug}/${theirs.member.code}`]) {
      const res = await SELF.fetch(`${API}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code).toBe("unknown_code");
    }
    const retired = await SELF.fetch(`${API}/r/${theirs.member.code}`, { redirect: "manual" });
    expect(retired.status).toBe(404);
    expect(((await retired.json()) as any).error.code).toBe("not_found");
  });
});
