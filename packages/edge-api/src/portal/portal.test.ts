import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { issueMemberToken } from "../members/identity";
import { styleHash } from "../program-page/render";
import type { RulesetInput } from "../rewards/schema";
import { twoSidedRules } from "../rewards/two-sided";
import { mintClickId } from "../tracking/click-id";
import { mintAccessToken } from "./access-token";
import { PORTAL_COOKIE } from "./routes";

/** Give $100, get $100 (the member's held 14 days), and a $250 bonus on the third customer. */
const RULES: RulesetInput = {
  rules: [
    ...(twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" }).rules ?? []),
    {
      id: "third-customer-bonus",
      description: "$250 bonus on your third customer",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      currency: "USD",
      amount: { type: "flat", value: 25_000 },
      milestone: { at: 3 },
    },
  ],
};

let addresses = 0;
/** Each test its own client address, so the failure limit of one never reaches another. */
const address = () => `203.0.113.${++addresses}`;

async function mint(p: TestProgram, memberId: string, body: unknown = {}) {
  return server(p, "POST", `/v1/members/${memberId}/access-link`, body);
}

async function open(url: string, init: { ip?: string; lang?: string; acceptLanguage?: string } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": init.ip ?? address() };
  if (init.acceptLanguage) headers["accept-language"] = init.acceptLanguage;
  const res = await SELF.fetch(init.lang ? `${url}?lang=${init.lang}` : url, { headers, redirect: "manual" });
  return { res, html: await res.text() };
}

/** The portal session cookie's value from an answer to `/o/<token>`. */
function sessionOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  const value = new RegExp(`${PORTAL_COOKIE}=([^;]+)`).exec(set)?.[1];
  if (!value) throw new Error(`no portal cookie in ${set}`);
  return value;
}

async function portal(p: TestProgram, cookie: string | null, init: { lang?: string; acceptLanguage?: string } = {}) {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = `${PORTAL_COOKIE}=${cookie}`;
  if (init.acceptLanguage) headers["accept-language"] = init.acceptLanguage;
  const res = await SELF.fetch(`${API}/p/${p.slug}/me${init.lang ? `?lang=${init.lang}` : ""}`, { headers });
  // Money keeps number and sign together with a no-break space; the expectations use a plain one.
  return { res, html: (await res.text()).replaceAll("\u00a0", " ") };
}

/** Opens a freshly minted link and returns the session cookie it sets. */
async function signIn(p: TestProgram, memberId: string): Promise<string> {
  const { json } = await mint(p, memberId);
  const { res } = await open(json.url);
  expect(res.status).toBe(303);
  return sessionOf(res);
}

async function tokenSecret(programId: string): Promise<{ id: string; tokenSecret: string }> {
  const row = await env.DB.prepare("SELECT token_secret FROM programs WHERE id = ?").bind(programId).first<any>();
  return { id: programId, tokenSecret: row.token_secret };
}

function policy(res: Response): Record<string, string> {
  const header = res.headers.get("content-security-policy") ?? "";
  return Object.fromEntries(
    header.split(";").map((d) => {
      const [name = "", ...rest] = d.trim().split(/\s+/);
      return [name, rest.join(" ")];
    }),
  );
}

describe("POST /v1/members/{id}/access-link", () => {
  it("mints a link on the API's origin that expires in 72 hours unless told otherwise", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", name: "Dana Whitfield" });
    const before = Date.now();
    const { res, json } = await mint(p, member.id);
    expect(res.status).toBe(200);
    expect(json.url).toMatch(new RegExp(`^${API}/o/oca1\\.portal\\.${p.id}\\.${member.id}\\.\\d+\\.[\\w-]{43}$`));
    const expires = Date.parse(json.expires_at);
    expect(expires).toBeGreaterThan(before + 72 * 3600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 72 * 3600_000);

    const hour = await mint(p, member.id, { expires_in_hours: 1 });
    expect(Date.parse(hour.json.expires_at)).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect((await mint(p, member.id, { expires_in_hours: 720 })).res.status).toBe(200);
  });

  it("refuses hours outside 1 to 720, an unknown member, another program's member and a publishable key", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const { member } = await enrol(p, { id: "u1" });
    for (const hours of [0, 721, 1.5, "72"]) {
      const { res, json } = await mint(p, member.id, { expires_in_hours: hours });
      expect(res.status, String(hours)).toBe(422);
      expect(json.error.code).toBe("validation_failed");
    }
    expect((await mint(p, "mem_doesnotexist0000")).json.error.code).toBe("member_not_found");
    expect((await mint(other, member.id)).json.error.code).toBe("member_not_found");
    const asBrowser = await SELF.fetch(`${API}/v1/members/${member.id}/access-link`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.pk}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(asBrowser.status).toBeGreaterThanOrEqual(400);
    expect(asBrowser.status).toBeLessThan(500);
  });
});

describe("GET /o/<token>", () => {
  it("sets a short, HttpOnly, Secure, Lax session cookie for the portal's path and 303s there", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1" });
    const { json } = await mint(p, member.id);
    const { res } = await open(json.url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/p/${p.slug}/me`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(new RegExp(`^${PORTAL_COOKIE}=oca1\\.portal-session\\.`));
    expect(cookie).toContain(`Path=/p/${p.slug}/me`);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);
    // The cookie is its own value, not the link's token.
    expect(sessionOf(res)).not.toBe(json.url.split("/o/")[1]);
    // The language travels along.
    expect((await open(json.url, { lang: "de" })).res.headers.get("location")).toBe(`/p/${p.slug}/me?lang=de`);
  });

  it("never sets a session that outlives its link", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1" });
    const token = await mintAccessToken(await tokenSecret(p.id), "portal", member.id, Date.now() + 120_000);
    const { res } = await open(`${API}/o/${token}`);
    expect(res.status).toBe(303);
    expect(Number(/Max-Age=(\d+)/.exec(res.headers.get("set-cookie") ?? "")?.[1])).toBeLessThanOrEqual(120);
  });

  it("answers a tampered link, another member's, another program's and an unknown one with a 401 page", async () => {
    const p = await makeProgram();
    const other = await makeProgram();
    const { member } = await enrol(p, { id: "u1" });
    const { member: sam } = await enrol(p, { id: "u2" });
    const { member: stranger } = await enrol(other, { id: "u1" });
    const token = ((await mint(p, member.id)).json.url as string).split("/o/")[1] as string;
    const parts = token.split(".");
    const mac = parts[5] as string;
    const cases = {
      tampered: [...parts.slice(0, 5), `${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`].join("."),
      "another member": [...parts.slice(0, 3), sam.id, ...parts.slice(4)].join("."),
      "another program": [parts[0], parts[1], other.id, stranger.id, ...parts.slice(4)].join("."),
      "a later expiry": [...parts.slice(0, 4), String(Number(parts[4]) + 60), parts[5]].join("."),
      garbage: "not-a-token",
      "script in the path": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    };
    for (const [name, bad] of Object.entries(cases)) {
      const { res, html } = await open(`${API}/o/${bad}`);
      expect(res.status, name).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("set-cookie"), name).toBeNull();
      expect(html).toContain("<h1>This link does not work</h1>");
      expect(html).not.toContain("<script>");
    }
  });

  it("answers an expired link with a 410 page in the program's brand", async () => {
    const p = await makeProgram({ name: "Ledgerly", brand_color: "#0f766e" });
    const { member } = await enrol(p, { id: "u1" });
    const token = await mintAccessToken(await tokenSecret(p.id), "portal", member.id, Date.now() - 1000);
    const { res, html } = await open(`${API}/o/${token}`);
    expect(res.status).toBe(410);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(html).toContain("<h1>This link has expired</h1>");
    expect(html).toContain("Use the link in a newer email from Ledgerly");
    expect(html).toContain("--brand:#0f766e");
  });

  it("takes no member token, click id or session value as a link", async () => {
    const p = await makeProgram();
    const { member, member_token } = await enrol(p, { id: "u1" });
    const program = await tokenSecret(p.id);
    const values = [
      member_token,
      await issueMemberToken({ ...program } as any, member.id),
      await mintClickId(program, member.id, Date.now()),
      await mintAccessToken(program, "portal-session", member.id, Date.now() + 600_000),
    ];
    for (const value of values) expect((await open(`${API}/o/${value}`)).res.status, value).toBe(401);
  });

  it("opens a page that says a suspended member's account is paused, and nothing else", async () => {
    const p = await makeProgram({ name: "Ledgerly" });
    const { member } = await enrol(p, { id: "u1", name: "Dana Whitfield" });
    const { json } = await mint(p, member.id);
    await server(p, "POST", `/v1/members/${member.id}/suspend`, { reason: "Coupon site" });
    const { res, html } = await open(json.url);
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(html).toContain("<h1>Your referral account is paused</h1>");
    expect(html).toContain("Ledgerly has paused your referral account.");
    expect(html).not.toContain(member.code);
    expect(html).not.toContain("Dana");
    expect(html).not.toContain("Coupon site");
    expect(html).not.toMatch(/<a /);
  });

  it("counts failures per address: after 20, even a good link waits (429), other addresses do not", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1" });
    const { json } = await mint(p, member.id);
    const ip = address();
    for (let i = 0; i < 20; i++) expect((await open(`${API}/o/nope-${i}`, { ip })).res.status).toBe(401);
    const limited = await open(json.url, { ip });
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.html).toContain("<h1>Too many attempts</h1>");
    expect((await open(json.url, { ip: address() })).res.status).toBe(303);
    // Good links do not count.
    const fine = address();
    for (let i = 0; i < 25; i++) expect((await open(json.url, { ip: fine })).res.status).toBe(303);
  });
});

describe("GET /p/<slug>/me", () => {
  async function memberWithReferrals(overrides: Parameters<typeof makeProgram>[0] = {}) {
    const p = await makeProgram(
      { name: "Ledgerly", brand_color: "#0f766e", offer_text: "", ...overrides },
      { rules: RULES },
    );
    const { member } = await enrol(p, {
      id: "u1",
      email: "dana@northwind.test",
      name: "Dana Whitfield",
      company: "Northwind",
    });
    // A customer who gave a full name, and a lead who gave only an address.
    const sold = await server(p, "POST", "/v1/conversions", {
      email: "sam.lee@initech.test",
      name: "Sam Lee",
      company: "Initech",
      code: member.code,
      value_cents: 49_900,
      currency: "USD",
    });
    expect(sold.res.status).toBe(201);
    const lead = await browser(p, "/v1/track/lead", { email: "pat.q@globex.test", code: member.code });
    expect(lead.res.status).toBe(202);
    return { p, member };
  }

  it("shows the member's link and code, share links, referrals and rewards with the hold's end", async () => {
    const { p, member } = await memberWithReferrals();
    const cookie = await signIn(p, member.id);
    const { res, html } = await portal(p, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain("<h1>Your referrals at Ledgerly</h1>");
    expect(html).toContain("Hello Dana, here is everything about your referrals.");
    // Link and code as plain text.
    expect(html).toContain(`<dd><code>https://www.acme.test/?via=${member.code}</code></dd>`);
    expect(html).toContain(`<dd><code>${member.code}</code></dd>`);
    // Share links built here, the member's link inside each.
    const link = encodeURIComponent(`https://www.acme.test/?via=${member.code}`);
    expect(html).toMatch(new RegExp(`<a href="mailto:\\?subject=Try%20Ledgerly&amp;body=[^"]*${link}">Email</a>`));
    expect(html).toMatch(
      new RegExp(`<a href="https://www.linkedin.com/feed/\\?shareActive=true&amp;text=[^"]*${link}"`),
    );
    expect(html).toMatch(new RegExp(`<a href="https://x.com/intent/post\\?text=[^"]*${link}"`));
    // Referrals: first name, or the address masked; never the whole address, surname or company.
    expect(html).toMatch(/<tr><td>Sam<\/td><td>Customer<\/td><td class="date">[A-Z][a-z]{2} \d+, \d{4}<\/td><\/tr>/);
    expect(html).toMatch(/<tr><td>p•••<wbr>@g•••\.test<\/td><td>Referred<\/td>/);
    expect(html).not.toMatch(/Lee|Initech|initech|pat\.q|globex\.test/);
    expect(html).toContain("0 visits through your link, 2 referred, 1 customer.");
    // Rewards: $100 on hold for 14 days, by currency, with the date the hold ends.
    const holdEnd = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(
      new Date(Date.now() + 14 * 86_400_000),
    );
    expect(html).toContain('<thead><tr><th scope="col">State</th><th scope="col" class="num">USD</th></tr></thead>');
    expect(html).toContain(
      `<tr><th scope="row">On hold</th><td class="num">$100<span class="sub">until ${holdEnd}</span></td></tr>`,
    );
    expect(html).toContain('<tr><th scope="row">Approved, to be paid</th><td class="num">$0</td></tr>');
    expect(html).toContain('<tr><th scope="row">Paid out</th><td class="num">$0</td></tr>');
    expect(html).toContain(
      `<tr><td>$100<span class="sub">$100 credit for you</span></td><td>On hold<span class="sub">until ${holdEnd}</span></td>`,
    );
    // Progress to the next milestone.
    expect(html).toContain('<p id="milestone">Next bonus: $250 bonus on your third customer (1 of 3 customers)</p>');
    expect(html).toContain('<progress aria-labelledby="milestone" max="3" value="1">');
    expect(html).toContain(`<a href="${API}/p/${p.slug}">How it works, FAQ and terms</a>`);
  });

  it("answers under a strict Content-Security-Policy: no script, its one style by hash", async () => {
    const { p, member } = await memberWithReferrals();
    const { res, html } = await portal(p, await signIn(p, member.id));
    const csp = policy(res);
    expect(Object.keys(csp).sort()).toEqual(["base-uri", "default-src", "form-action", "frame-ancestors", "style-src"]);
    expect(csp).toMatchObject({
      "default-src": "'none'",
      "base-uri": "'none'",
      // The portal's own forms (how the member is paid, which emails they get) post to the portal, nowhere else.
      "form-action": "'self'",
      "frame-ancestors": "'none'",
    });
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    expect(csp["style-src"]).toBe(`'${await styleHash(style)}'`);
    expect(res.headers.get("content-security-policy")).not.toMatch(/unsafe|script-src|\*/);
    expect(html).not.toMatch(/<script| style="| on\w+=/i);
    // The email preferences form (the payout form appears once the program offers a method beyond manual).
    expect([...html.matchAll(/<form [^>]*>/g)].map((m) => m[0])).toEqual([
      `<form method="post" action="/p/${p.slug}/me/emails">`,
    ]);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // Nothing to another site; the portal's own forms name their origin.
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("escapes hostile names: the program's, the member's and the friend's", async () => {
    const p = await makeProgram({ name: `<script>alert("p")</script>` }, { rules: RULES });
    const { member } = await enrol(p, { id: "u1", name: `<img src=x onerror=alert(1)> Evil` });
    await server(p, "POST", "/v1/conversions", {
      email: "friend@initech.test",
      name: `"><svg onload=alert(2)>`,
      code: member.code,
      value_cents: 1000,
      currency: "USD",
    });
    const { res, html } = await portal(p, await signIn(p, member.id));
    expect(res.status).toBe(200);
    expect(html).not.toMatch(/<script>alert|<img src=x|<svg/i);
    expect(html).toContain("<h1>Your referrals at &lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;</h1>");
    expect(html).toContain("Hello &lt;img, here is everything");
    expect(html).toContain("<tr><td>&quot;&gt;&lt;svg</td>");
  });

  it("shows no member data without a valid session: none, expired, another program's, a link, a forged one", async () => {
    const { p, member } = await memberWithReferrals();
    const other = await makeProgram();
    const { member: stranger } = await enrol(other, { id: "u1" });
    const program = await tokenSecret(p.id);
    const sessions = {
      none: null,
      expired: await mintAccessToken(program, "portal-session", member.id, Date.now() - 1000),
      "another program's": await signIn(other, stranger.id),
      "the link itself": await mintAccessToken(program, "portal", member.id, Date.now() + 600_000),
      forged: (await signIn(p, member.id)).replace(/.{4}$/, "AAAA"),
    };
    for (const [name, cookie] of Object.entries(sessions)) {
      const { res, html } = await portal(p, cookie);
      expect(res.status, name).toBe(200);
      expect(html, name).toContain("<h1>Open your referral page</h1>");
      expect(html).toContain("It opens from the link in an email from Ledgerly, with no password.");
      expect(html).toContain(`<a href="${API}/p/${p.slug}">How it works, FAQ and terms</a>`);
      expect(html, name).not.toContain(member.code);
      expect(html).not.toMatch(/Dana|Sam|\$100/);
      if (cookie) expect(res.headers.get("set-cookie"), name).toMatch(new RegExp(`^${PORTAL_COOKIE}=;.*Max-Age=0`));
    }
  });

  it("shows a paused page once the member is suspended, even with a session", async () => {
    const { p, member } = await memberWithReferrals();
    const cookie = await signIn(p, member.id);
    await server(p, "POST", `/v1/members/${member.id}/suspend`, { reason: "Coupon site" });
    const { res, html } = await portal(p, cookie);
    expect(res.status).toBe(403);
    expect(html).toContain("<h1>Your referral account is paused</h1>");
    expect(html).not.toContain(member.code);
    expect(html).not.toContain("Sam");
  });

  it("speaks German by ?lang, by the program's setting, or by Accept-Language", async () => {
    const { p, member } = await memberWithReferrals();
    const cookie = await signIn(p, member.id);
    const { res, html } = await portal(p, cookie, { lang: "de" });
    expect(res.headers.get("content-language")).toBe("de");
    expect(html).toMatch(/<html lang="de">/);
    expect(html).toContain("<h1>Ihre Empfehlungen bei Ledgerly</h1>");
    expect(html).toContain("Hallo Dana, hier sehen Sie alles zu Ihren Empfehlungen.");
    expect(html).toContain('<h2 id="rewards">Ihre Prämien</h2>');
    expect(html).toContain("<tr><td>Sam</td><td>Kunde</td>");
    expect(html).toContain('<tr><th scope="row">Zurückgehalten</th><td class="num">100 $<span class="sub">bis ');
    expect(html).toContain('<p id="milestone">Nächster Bonus: 250 $ in bar (1 von 3 Kunden)</p>');
    expect(html).toContain(`href="mailto:?subject=Probieren%20Sie%20Ledgerly`);
    expect(html).toContain(`<a href="${API}/p/${p.slug}/me?lang=en" hreflang="en" lang="en">English</a>`);
    expect((await portal(p, cookie, { acceptLanguage: "de-AT,de;q=0.9" })).html).toMatch(/<html lang="de">/);
    await server(p, "PATCH", "/v1/program", { page_language: "de" });
    expect((await portal(p, cookie)).html).toMatch(/<html lang="de">/);
    expect((await portal(p, null)).html).toContain("<h1>Ihre Empfehlungsseite öffnen</h1>");
  });

  it("answers an unknown program with the program page's 404", async () => {
    const { res, html } = await portal({ slug: "no-such-program" } as TestProgram, null);
    expect(res.status).toBe(404);
    expect(html).toContain("<h1>Page not found</h1>");
  });
});
