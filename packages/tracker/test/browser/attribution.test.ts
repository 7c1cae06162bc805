/**
 * Real Chromium against the real API (workerd + local D1): a fixture page per scenario on its own
 * origin, and every test asserts what landed in D1 through the secret-key API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApiHandle } from "../../../../scripts/lib/stack";
import { buildSdk, freePort, waitForHttp } from "../../../../scripts/lib/stack";
import {
  type AdminApi,
  adminApi,
  DEMO,
  freshPages,
  launchChromium,
  SITE_DOMAIN,
  sitePage,
  startFixtureServer,
  startStack,
  waitFor,
} from "./harness";

const DAY = 86_400_000;
let browser: Browser;
let api: ApiHandle;
let admin: AdminApi;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let example: ChildProcess;
let examplePort: number;
let deadApi: string;

beforeAll(async () => {
  deadApi = `http://127.0.0.1:${await freePort()}`;
  site = await startFixtureServer((url) => {
    const [, fixture] = url.pathname.split("/");
    const tag = (file: string, attrs = "") =>
      `<script async src="${api.url}/${file}" data-key="${DEMO.publishableKey}" ${attrs}></script>`;
    const trackers: Record<string, string> = {
      basic: tag("vouch.lead.js"),
      base: tag("vouch.js"),
      domain: tag("vouch.lead.js", `data-domain="${SITE_DOMAIN}"`),
      down: tag("vouch.lead.js", `data-api="${deadApi}"`),
    };
    const tracker = fixture ? trackers[fixture] : undefined;
    if (!tracker) return;
    return { html: sitePage({ title: fixture!, tracker, signup: url.pathname.endsWith("/signup") }) };
  });
  examplePort = await freePort();
  api = await startStack(site.port, [], examplePort);
  admin = adminApi(api.url);
  buildSdk(); // the example's server sets the referral cookie with @vouch/node
  example = spawn(process.execPath, ["server.mjs"], {
    cwd: fileURLToPath(new URL("../../../../examples/marketing-site/", import.meta.url)),
    env: {
      ...process.env,
      PORT: String(examplePort),
      VOUCH_API_URL: api.url,
      VOUCH_PUBLISHABLE_KEY: DEMO.publishableKey,
    },
    stdio: "ignore",
  });
  await waitForHttp(`http://127.0.0.1:${examplePort}/`, 20_000, example);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  example?.kill();
  await api?.stop();
  await site?.close();
});

const freshPage = freshPages(() => browser);

async function referralCookie(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name === "vouch_ref");
  return cookie && { ...cookie, referral: JSON.parse(decodeURIComponent(cookie.value)) as Record<string, unknown> };
}

async function signUp(page: Page, email: string, fields: { code?: string } = {}) {
  await page.fill("input[name=name]", "Dana Scully");
  await page.fill("input[name=email]", email);
  await page.fill("input[name=company]", "Northwind Traders");
  await page.selectOption("select[name=size]", "51-200");
  if (fields.code) await page.fill("input[name=referral_code]", fields.code);
  await Promise.all([page.waitForURL(/welcome/), page.click("button[type=submit]")]);
}

const referralOf = (email: string) => waitFor(() => admin.referralOf(email), Boolean);
const visitsOf = (memberId: string, atLeast = 1) =>
  waitFor(
    () => admin.visitsOf(memberId),
    (n) => n >= atLeast,
  );
let emails = 0;
const newEmail = (name: string) => `${name}-${++emails}-${Date.now()}@northwind.example`;

describe("attribution in a real browser", () => {
  test("direct link: visit recorded, referral kept in a first-party cookie, URL cleaned, lead attributed", async () => {
    const anna = await admin.enrol("Anna");
    const page = await freshPage();
    await page.goto(site.url(`/basic/?via=${anna.code.toLowerCase()}&vsrc=newsletter&utm_source=mail`));
    expect(await visitsOf(anna.id)).toBe(1);
    await expect.poll(() => page.url()).toBe(site.url("/basic/?utm_source=mail"));

    const cookie = await waitFor(
      () => referralCookie(page),
      (c) => Boolean(c?.referral.click_id),
    );
    expect(cookie).toMatchObject({ sameSite: "Lax", secure: false, path: "/", domain: "127.0.0.1" });
    expect(cookie?.referral.code).toBe(anna.code);
    expect(Math.abs((cookie?.expires ?? 0) * 1000 - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
    const stored = await page.evaluate(() => decodeURIComponent(localStorage.getItem("vouch_ref") ?? ""));
    expect(JSON.parse(stored)).toEqual(cookie?.referral);

    await page.click("#start");
    const email = newEmail("dana");
    await signUp(page, email);
    const referral = await referralOf(email);
    expect(referral).toMatchObject({
      member_id: anna.id,
      click_id: cookie?.referral.click_id,
      status: "lead",
      source: "form",
      friend: { name: "Dana Scully", company: "Northwind Traders", company_size: "51-200" },
    });
    // The vendor's own server got the click id in the hidden input, for POST /v1/conversions later.
    expect(site.posts.at(-1)?.fields).toMatchObject({ email, vouch_click_id: cookie?.referral.click_id });
  });

  test("the base script (vouch.js) records the visit and keeps the referral", async () => {
    const boris = await admin.enrol("Boris");
    const page = await freshPage();
    await page.goto(site.url(`/base/?via=${boris.code}`));
    expect(await visitsOf(boris.id)).toBe(1);
    const cookie = await waitFor(
      () => referralCookie(page),
      (c) => Boolean(c?.referral.click_id),
    );
    expect(cookie?.referral.code).toBe(boris.code);
    await expect.poll(() => page.url()).toBe(site.url("/base/"));
  });

  test("short link /r/:program/:code → the marketing-site example (strict CSP) → sign-up attributed", async () => {
    const carla = await admin.enrol("Carla");
    const page = await freshPage();
    // Console errors (a CSP refusal, a failed post) and any failed response, with its URL.
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`${message.text()} ${message.location().url}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    expect(carla.short_link).toBe(`${api.url}/r/ledgerly-demo/${carla.code}`);
    await page.goto(`${carla.short_link}?vsrc=slack`);
    await expect.poll(() => page.url()).toBe(`http://localhost:${examplePort}/`);
    expect(await visitsOf(carla.id)).toBe(1);
    // The example's own server set the cookie (@vouch/node): the tracker keeps it as it is and the click id
    // beside it in localStorage.
    const stored = () =>
      page.evaluate(() => JSON.parse(decodeURIComponent(localStorage.getItem("vouch_ref") ?? "null")));
    await expect.poll(async () => (await stored())?.click_id).toMatch(/^clk_/);
    expect((await referralCookie(page))?.referral).toEqual({
      code: carla.code,
      ts: (await stored()).ts,
      expires: (await stored()).expires,
      set_by: "server",
    });

    const email = newEmail("erin");
    await page.fill("#name", "Erin Brockovich");
    await page.fill("#company", "Northwind Traders");
    await page.fill("#email", email);
    await page.selectOption("#role", "Controller");
    await page.selectOption("#size", "11-50");
    await Promise.all([page.waitForURL(/\/welcome/), page.click("button[type=submit]")]);
    expect(await page.textContent(".notice")).toContain("referred by a Ledgerly customer");
    expect(await referralOf(email)).toMatchObject({
      member_id: carla.id,
      click_id: (await stored()).click_id,
      friend: { name: "Erin Brockovich", role: "Controller", company_size: "11-50" },
    });
    // Subscribing: the Checkout Session carries the click id as client_reference_id (Vouch's Stripe integration).
    await Promise.all([page.waitForURL(/\/checkout/), page.click("text=Subscribe")]);
    const session = JSON.parse((await page.textContent("#session")) ?? "null");
    expect(session).toMatchObject({
      mode: "subscription",
      customer_email: email,
      client_reference_id: (await stored()).click_id,
      subscription_data: { metadata: { vouch_click_id: (await stored()).click_id, vouch_code: carla.code } },
    });
    expect(await page.textContent("#wire")).toContain(`client_reference_id=${(await stored()).click_id}`);
    expect(problems).toEqual([]);
  });

  test("sub-domain hop: a visit on www. attributes a sign-up on app. through the shared cookie", async () => {
    const dmitri = await admin.enrol("Dmitri");
    const page = await freshPage();
    await page.goto(site.url(`/domain/?via=${dmitri.code}`, `www.${SITE_DOMAIN}`));
    const cookie = await waitFor(
      () => referralCookie(page),
      (c) => Boolean(c?.referral.click_id),
    );
    expect(cookie?.domain).toBe(`.${SITE_DOMAIN}`);

    await page.goto(site.url("/domain/signup", `app.${SITE_DOMAIN}`));
    // localStorage is per origin: on app. only the cookie knows the referral.
    expect(await page.evaluate(() => localStorage.getItem("vouch_ref"))).toBeNull();
    const email = newEmail("frank");
    await signUp(page, email);
    expect(await referralOf(email)).toMatchObject({ member_id: dmitri.id, click_id: cookie?.referral.click_id });
    expect(site.posts.at(-1)).toMatchObject({
      host: `app.${SITE_DOMAIN}`,
      fields: { vouch_click_id: cookie?.referral.click_id },
    });
  });

  test("magic-link sign-up: the param is long gone, the cookie alone still attributes", async () => {
    const elena = await admin.enrol("Elena");
    const page = await freshPage();
    await page.goto(site.url(`/basic/pricing?via=${elena.code}`));
    const cookie = await waitFor(
      () => referralCookie(page),
      (c) => Boolean(c?.referral.click_id),
    );
    await page.evaluate(() => localStorage.clear());
    await page.goto(site.url("/basic/docs"));
    await page.click("#start");
    expect(new URL(page.url()).search).toBe("");
    const email = newEmail("gina");
    await signUp(page, email);
    expect(await referralOf(email)).toMatchObject({ member_id: elena.id, click_id: cookie?.referral.click_id });
  });

  test("a code typed into the form attributes a visitor who never clicked a link", async () => {
    const farid = await admin.enrol("Farid");
    const page = await freshPage();
    await page.goto(site.url("/basic/signup"));
    const email = newEmail("hank");
    await signUp(page, email, { code: farid.code.toLowerCase() });
    expect(await referralOf(email)).toMatchObject({ member_id: farid.id, click_id: null });
    expect(await admin.visitsOf(farid.id)).toBe(0);
  });

  test("first click vs last click, as the program says", async () => {
    const first = await admin.enrol("Greta");
    const second = await admin.enrol("Hugo");
    for (const model of ["first", "last"] as const) {
      await admin.setAttribution({ model });
      const page = await freshPage();
      await page.goto(site.url(`/basic/?via=${first.code}`));
      await waitFor(
        () => referralCookie(page),
        (c) => c?.referral.code === first.code,
      );
      await page.goto(site.url(`/basic/?ref=${second.code}`));
      await visitsOf(second.id, model === "first" ? 1 : 2);
      const winner = model === "first" ? first : second;
      await waitFor(
        () => referralCookie(page),
        (c) => c?.referral.code === winner.code,
      );
      await page.click("#start");
      const email = newEmail(`ivy-${model}`);
      await signUp(page, email);
      expect(await referralOf(email), model).toMatchObject({ member_id: winner.id });
    }
    await admin.setAttribution({ model: "first" });
  });

  test("the cookie lasts the program's window; an expired referral is dropped", async () => {
    const ines = await admin.enrol("Ines");
    await admin.setAttribution({ window_days: 7 });
    try {
      const page = await freshPage();
      await page.goto(site.url(`/basic/?via=${ines.code}`));
      const cookie = await waitFor(
        () => referralCookie(page),
        (c) => Boolean(c?.referral.click_id),
      );
      expect(Math.abs((cookie?.expires ?? 0) * 1000 - (Date.now() + 7 * DAY))).toBeLessThan(60_000);

      // Eight days later by the page's clock (the API still sees a fresh click, so only the tracker can
      // refuse it): the sign-up is not attributed.
      await page.context().clock.install({ time: Date.now() + 8 * DAY });
      await page.goto(site.url("/basic/signup"));
      const email = newEmail("jack");
      await signUp(page, email);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await admin.referralOf(email)).toBeUndefined();
    } finally {
      await admin.setAttribution({ window_days: 90 });
    }
  });

  test("API down, then back: the queued visit is delivered once on the next page view", async () => {
    const jana = await admin.enrol("Jana");
    const page = await freshPage();
    await page.goto(site.url(`/down/?via=${jana.code}`));
    await expect
      .poll(() => page.evaluate(() => JSON.parse(localStorage.getItem("vouch_queue") ?? "[]").length))
      .toBe(1);
    expect(await admin.visitsOf(jana.id)).toBe(0);

    await page.goto(site.url("/basic/features"));
    expect(await visitsOf(jana.id)).toBe(1);
    const cookie = await waitFor(
      () => referralCookie(page),
      (c) => Boolean(c?.referral.click_id),
    );
    await page.goto(site.url("/basic/signup"));
    const email = newEmail("kim");
    await signUp(page, email);
    expect(await referralOf(email)).toMatchObject({ member_id: jana.id, click_id: cookie?.referral.click_id });
    await page.goto(site.url("/basic/"));
    // Longer than the API's queue batch timeout (1 s), so a second visit, had one been sent, would have landed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await admin.visitsOf(jana.id)).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem("vouch_queue"))).toBeNull();
  });
});
