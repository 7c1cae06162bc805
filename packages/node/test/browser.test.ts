/**
 * Real Chromium, the real tracker (vouch.lead.js from the API) and the real API: a vendor's site whose own
 * Node server sets `vouch_ref` with `@vouch/node/http` keeps that cookie as the server wrote it (no script
 * write, which Safari would cap to 7 days), the tracker still records the visit and keeps its click id, and
 * a sign-up days later is attributed to the member.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { launchChromium } from "../../../scripts/lib/chromium";
import { DEMO } from "../../../scripts/lib/stack";
import { attribution } from "../src/attribution/http";
import { readReferral, Vouch } from "../src/index";

const apiUrl = inject("apiUrl");
const sitePort = inject("sitePort");
const site = `http://localhost:${sitePort}`;
const DAY = 86_400_000;
const vouch = new Vouch({ secretKey: DEMO.secretKey, apiUrl });

/** What the vendor's server saw: each sign-up's form fields and the referral in its cookie. */
const signups: { fields: URLSearchParams; referral: ReturnType<typeof readReferral> }[] = [];
const page = (title: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script async src="${apiUrl}/vouch.lead.js" data-key="${DEMO.publishableKey}"></script></head>
<body><h1>${title}</h1>${body}</body></html>`;
const signupForm = `<form method="post" action="/signup" data-vouch-lead>
  <input name="name"><input name="email" type="email"><input name="company"><button type="submit">Start trial</button>
</form>`;

const trackReferrals = attribution({ windowDays: 90 });
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  trackReferrals(req, res);
  const { pathname } = new URL(req.url ?? "/", site);
  if (req.method === "POST") {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      signups.push({ fields: new URLSearchParams(text), referral: readReferral(req.headers.cookie) });
      res.writeHead(303, { location: "/welcome" }).end();
    });
    return;
  }
  const html =
    pathname === "/signup"
      ? page("Sign up", signupForm)
      : page(pathname === "/welcome" ? "Welcome" : "Ledgerly", '<a id="start" href="/signup">Start your trial</a>');
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
});

let browser: Browser;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(sitePort, "127.0.0.1", resolve));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

test("the tracker keeps a server-set vouch_ref, and a later sign-up is attributed to the member", async () => {
  const { member } = await vouch.request<{ member: { id: string; code: string } }>("POST", "/v1/members", {
    body: { id: `sdk-browser-${Date.now()}`, email: `anna-${Date.now()}@advocate.example`, name: "Anna" },
  });
  const context = await browser.newContext();
  // Every write of vouch_ref through document.cookie, on every page of the visit.
  const scriptWrites: string[] = [];
  await context.exposeBinding("__vouchRefWritten", (_source, value: string) => scriptWrites.push(value));
  await context.addInitScript(() => {
    const native = Object.getOwnPropertyDescriptor(Document.prototype, "cookie")!;
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      get() {
        return native.get!.call(this);
      },
      set(value: string) {
        if (value.startsWith("vouch_ref=")) (window as any).__vouchRefWritten(value);
        native.set!.call(this, value);
      },
    });
  });
  try {
    const tab = await context.newPage();
    const landing = await tab.goto(`${site}/?via=${member.code.toLowerCase()}&vsrc=newsletter`);
    const setCookie = (await landing!.headerValue("set-cookie")) ?? "";
    expect(setCookie).toMatch(/^vouch_ref=[^;]+; Path=\/; Max-Age=7776000; SameSite=Lax$/);

    // The tracker records the visit (with the sub-source), keeps the click id beside the cookie, cleans the URL.
    await expect
      .poll(() => tab.evaluate(() => JSON.parse(decodeURIComponent(localStorage.getItem("vouch_ref") ?? "null"))))
      .toMatchObject({ code: member.code, click_id: expect.stringMatching(/^clk_/) });
    await expect.poll(() => tab.url()).toBe(`${site}/`);
    const kept = JSON.parse(decodeURIComponent((await tab.evaluate(() => localStorage.getItem("vouch_ref")))!));
    const cookie = (await context.cookies()).find((c) => c.name === "vouch_ref")!;
    const fromServer = JSON.parse(decodeURIComponent(cookie.value));
    expect(fromServer).toEqual({ code: member.code, ts: kept.ts, expires: kept.expires, set_by: "server" });
    expect(cookie).toMatchObject({ path: "/", sameSite: "Lax", httpOnly: false });
    expect(Math.abs(cookie.expires * 1000 - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
    // The visit is written by the API's queue consumer a moment after it was accepted.
    let visits = 0;
    for (let i = 0; i < 100 && visits < 1; i++) {
      const summary = await vouch.request<{ stats: { visits: number } }>("GET", `/v1/members/${member.id}`);
      visits = summary.stats.visits;
      if (visits < 1) await new Promise((r) => setTimeout(r, 100));
    }
    expect(visits).toBe(1);

    // Days later (by the page's clock; the window is the server's), the visitor signs up.
    await context.clock.install({ time: Date.now() + 20 * DAY });
    await tab.click("#start");
    await tab.waitForURL(`${site}/signup`);
    await tab.fill("input[name=name]", "Erin Brockovich");
    await tab.fill("input[name=email]", `erin-${Date.now()}@northwind.example`);
    await tab.fill("input[name=company]", "Northwind Traders");
    const email = await tab.inputValue("input[name=email]");
    await Promise.all([tab.waitForURL(`${site}/welcome`), tab.click("button[type=submit]")]);

    await expect
      .poll(async () => {
        const { data } = await vouch.request<{ data: { member_id: string; click_id: string | null }[] }>(
          "GET",
          "/v1/referrals",
          { query: { email } },
        );
        return data[0];
      })
      .toMatchObject({ member_id: member.id, click_id: kept.click_id });
    // The vendor's server got the click id in the form and the code in the cookie, for POST /v1/conversions.
    expect(signups.at(-1)?.fields.get("vouch_click_id")).toBe(kept.click_id);
    expect(signups.at(-1)?.referral).toMatchObject({ code: member.code, set_by: "server" });
    expect(scriptWrites).toEqual([]);
    expect((await context.cookies()).find((c) => c.name === "vouch_ref")?.value).toBe(cookie.value);
  } finally {
    await context.close();
  }
});
