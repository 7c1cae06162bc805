/**
 * The tracker on pages that make life hard: a consent banner, a strict CSP with Trusted Types, and an
 * SPA that renders its own routes. Real Chromium, real API, assertions on what landed in D1.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApiHandle } from "../../../../scripts/lib/stack";
import {
  type AdminApi,
  adminApi,
  DEMO,
  freshPages,
  launchChromium,
  sitePage,
  startFixtureServer,
  startStack,
  waitFor,
} from "./harness";

let browser: Browser;
let api: ApiHandle;
let admin: AdminApi;
let site: Awaited<ReturnType<typeof startFixtureServer>>;

const QUEUE_STUB = "window.vouch = window.vouch || function () { (vouch.q = vouch.q || []).push(arguments); };";

const CONSENT_BANNER = `${QUEUE_STUB}
document.getElementById("accept").addEventListener("click", () => vouch("consent", true));
document.getElementById("decline").addEventListener("click", () => vouch("consent", false));`;

/** A small router: pushState navigation, every route rendered from scratch, its own fetch-based form. */
const SPA = `
const root = document.getElementById("app");
history.replaceState({ spa: "ledgerly", route: location.pathname }, "", location.href);
function render() {
  const path = location.pathname;
  if (path.endsWith("/signup")) {
    root.innerHTML = '<form data-vouch-lead><input name="name"><input name="email" type="email"><button id="send">Start trial</button></form>';
    root.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await fetch("/spa/api/register", { method: "POST", body: new FormData(event.target) });
      navigate("/spa/welcome");
    });
  } else if (path.endsWith("/welcome")) {
    root.innerHTML = '<h1 id="welcome">Welcome aboard</h1>';
  } else {
    root.innerHTML = '<h1>Ledgerly</h1><a id="start" href="/spa/signup">Start trial</a> <a id="home" href="/spa/">Home</a>';
  }
}
function navigate(path) {
  history.pushState({ spa: "ledgerly", route: path }, "", path);
  render();
}
document.addEventListener("click", (event) => {
  const link = event.target.closest("a");
  if (!link) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
addEventListener("popstate", render);
render();`;

beforeAll(async () => {
  site = await startFixtureServer((url) => {
    const path = url.pathname;
    const [, fixture] = path.split("/");
    const tag = (file: string, attrs = "") =>
      `<script async src="${api.url}/${file}" data-key="${DEMO.publishableKey}" ${attrs}></script>`;
    if (path.endsWith("/banner.js")) return { html: CONSENT_BANNER };
    if (path.endsWith("/early.js")) return { html: `${QUEUE_STUB}\nvouch("consent", true);` };
    if (path === "/spa/app.js") return { html: SPA };
    const signup = path.endsWith("/signup");
    switch (fixture) {
      case "consent":
      case "consent-early":
        return {
          html: sitePage({
            title: fixture,
            tracker: `${fixture === "consent-early" ? '<script src="/consent/early.js"></script>' : ""}${tag("vouch.lead.consent.js", 'data-consent="required"')}`,
            signup,
            body: '<div role="dialog"><button id="accept">Accept</button><button id="decline">Decline</button></div><script src="/consent/banner.js"></script>',
          }),
        };
      case "base-consent":
        return { html: sitePage({ title: fixture, tracker: tag("vouch.js", 'data-consent="required"'), signup }) };
      case "csp":
        return {
          headers: {
            "content-security-policy": [
              "default-src 'none'",
              `script-src 'self' ${api.url}`,
              `connect-src ${api.url}`,
              "form-action 'self'",
              "base-uri 'none'",
              "require-trusted-types-for 'script'",
              "trusted-types 'none'",
            ].join("; "),
          },
          // The inline script is the control: the policy must block it.
          html: sitePage({
            title: fixture,
            tracker: tag("vouch.lead.js"),
            signup,
            body: "<script>window.inlineRan = true;</script>",
          }),
        };
      case "spa":
        return {
          html: `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title>${tag("vouch.lead.js")}
<script defer src="/spa/app.js"></script></head><body><div id="app"></div></body></html>`,
        };
    }
  });
  api = await startStack(site.port);
  admin = adminApi(api.url);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await site?.close();
});

const freshPage = freshPages(() => browser);

const referralCookie = async (page: Page) => {
  const cookie = (await page.context().cookies()).find((c) => c.name === "vouch_ref");
  return cookie && (JSON.parse(decodeURIComponent(cookie.value)) as { code: string; click_id?: string });
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for the tracker to have loaded and posted, had it been going to. */
const QUIET_MS = 1500;
let emails = 0;
const newEmail = (name: string) => `${name}-${++emails}-${Date.now()}@northwind.example`;

async function signUp(page: Page, email: string) {
  await page.fill("input[name=name]", "Dana Scully");
  await page.fill("input[name=email]", email);
  await Promise.all([page.waitForURL(/welcome/), page.click("button[type=submit]")]);
}

describe('consent (data-consent="required")', () => {
  test("pending: nothing written or sent; granted: the visit from the URL is recorded and the lead attributed", async () => {
    const anna = await admin.enrol("Anna");
    const page = await freshPage();
    await page.goto(site.url(`/consent/?via=${anna.code}`));
    await page.waitForFunction(() => (window as unknown as { vouch?: { tracker?: 1 } }).vouch?.tracker === 1);
    await pause(QUIET_MS);
    expect(await admin.visitsOf(anna.id)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).toBe(site.url(`/consent/?via=${anna.code}`));

    await page.click("#accept");
    expect(
      await waitFor(
        () => admin.visitsOf(anna.id),
        (n) => n === 1,
      ),
    ).toBe(1);
    const referral = await waitFor(
      () => referralCookie(page),
      (r) => Boolean(r?.click_id),
    );
    await expect.poll(() => page.url()).toBe(site.url("/consent/"));

    // Consent is remembered with the referral, so the sign-up page needs no second click.
    await page.click("#start");
    const email = newEmail("dana");
    await signUp(page, email);
    expect(await waitFor(() => admin.referralOf(email), Boolean)).toMatchObject({
      member_id: anna.id,
      click_id: referral?.click_id,
    });
  });

  test("denied: nothing is recorded, then or later", async () => {
    const boris = await admin.enrol("Boris");
    const page = await freshPage();
    await page.goto(site.url(`/consent/?via=${boris.code}`));
    await page.waitForFunction(() => (window as unknown as { vouch?: { tracker?: 1 } }).vouch?.tracker === 1);
    await page.click("#decline");
    await page.click("#start");
    const email = newEmail("erin");
    await signUp(page, email);
    await pause(QUIET_MS);
    expect(await admin.visitsOf(boris.id)).toBe(0);
    expect(await admin.referralOf(email)).toBeUndefined();
    expect(await page.context().cookies()).toEqual([]);
  });

  test("consent given through the queue stub before the script loaded is replayed", async () => {
    const carla = await admin.enrol("Carla");
    const page = await freshPage();
    await page.goto(site.url(`/consent-early/?via=${carla.code}`));
    expect(
      await waitFor(
        () => admin.visitsOf(carla.id),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect((await waitFor(() => referralCookie(page), Boolean))?.code).toBe(carla.code);
  });

  test("the base script cannot ask for consent, so on such a page it does nothing at all", async () => {
    const dmitri = await admin.enrol("Dmitri");
    const page = await freshPage();
    await page.goto(site.url(`/base-consent/?via=${dmitri.code}`));
    await pause(QUIET_MS);
    expect(await admin.visitsOf(dmitri.id)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
  });
});

test("strict CSP with Trusted Types: no violations from the tracker, no styles, and the lead lands", async () => {
  const elena = await admin.enrol("Elena");
  const page = await freshPage();
  await page.context().addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(event.effectiveDirective));
  });
  const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  await page.goto(site.url(`/csp/?via=${elena.code}`));
  const referral = await waitFor(
    () => referralCookie(page),
    (r) => Boolean(r?.click_id),
  );
  expect(await violations()).toEqual(["script-src-elem"]); // the inline control only
  expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();

  await page.click("#start");
  expect(await violations()).toEqual(["script-src-elem"]);
  const hidden = await page.getAttribute("input[name=vouch_click_id]", "value");
  expect(hidden).toBe(referral?.click_id);
  expect(await page.evaluate(() => document.querySelectorAll("style, link[rel=stylesheet], [style]").length)).toBe(0);
  const email = newEmail("frank");
  await signUp(page, email);
  expect(await waitFor(() => admin.referralOf(email), Boolean)).toMatchObject({
    member_id: elena.id,
    click_id: hidden,
  });
});

test("SPA: the code is stripped without losing the router's state; a form rendered later carries the click id", async () => {
  const farid = await admin.enrol("Farid");
  const page = await freshPage();
  await page.goto(site.url(`/spa/?via=${farid.code}&tab=pricing`));
  const referral = await waitFor(
    () => referralCookie(page),
    (r) => Boolean(r?.click_id),
  );
  await expect.poll(() => page.url()).toBe(site.url("/spa/?tab=pricing"));
  expect(await page.evaluate(() => history.state)).toMatchObject({ spa: "ledgerly" });

  // Route changes re-render everything; the form only exists after them.
  await page.click("#start");
  await page.click("button#send", { trial: true });
  await page.goBack();
  await page.click("#start");
  const email = newEmail("gina");
  await page.fill("input[name=name]", "Gina Torres");
  await page.fill("input[name=email]", email);
  await page.click("#send");
  await page.waitForSelector("#welcome");

  expect(await waitFor(() => admin.referralOf(email), Boolean)).toMatchObject({
    member_id: farid.id,
    click_id: referral?.click_id,
    friend: { name: "Gina Torres" },
  });
  // The SPA's own backend got the click id inside its FormData.
  expect(site.posts.at(-1)).toMatchObject({
    path: "/spa/api/register",
    fields: { email, vouch_click_id: referral?.click_id },
  });
  // The visit lands through the API's queue a moment after its request.
  expect(
    await waitFor(
      () => admin.visitsOf(farid.id),
      (n) => n >= 1,
    ),
  ).toBe(1);
});
