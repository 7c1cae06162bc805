/**
 * Growing the program (issue 16) in real Chromium against the real API: the friend's greeting on the marketing
 * example under its strict CSP, the callout only for eligible members, and a moment's one-time nudge.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { seriousViolations } from "../../../../scripts/lib/axe";
import { waitForHttp } from "../../../../scripts/lib/stack";
import { adminGet, adminSend, DEMO, launchChromium, memberQuery, uniqueMember, watchPage } from "./helpers";

const apiUrl = inject("apiUrl");
const hostUrl = inject("hostUrl");
const marketingPort = inject("marketingPort");

let browser: Browser;
let context: BrowserContext | undefined;
let marketing: ChildProcess;

beforeAll(async () => {
  marketing = spawn(process.execPath, ["server.mjs"], {
    cwd: path.resolve(import.meta.dirname, "../../../../examples/marketing-site"),
    env: {
      ...process.env,
      PORT: String(marketingPort),
      VOUCH_API_URL: apiUrl,
      VOUCH_PUBLISHABLE_KEY: DEMO.publishableKey,
    },
    stdio: "ignore",
  });
  await waitForHttp(`http://127.0.0.1:${marketingPort}/`, 20_000, marketing);
  browser = await launchChromium();
});

afterAll(async () => {
  // The demo program is shared with the other browser files: put its settings back.
  await adminSend(apiUrl, "PATCH", "/v1/program", { eligibility: null, greeting: { reveal: "first_name" } });
  await browser?.close();
  marketing?.kill("SIGTERM");
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = violations;
    document.addEventListener("securitypolicyviolation", (e) =>
      violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return page;
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

/** Waits for the page's answer from an API path, so "nothing shown" is asserted after the API has spoken. */
const answerFrom = (page: Page, pathname: string) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === pathname && r.request().method() === "POST");

describe("the friend's greeting on the marketing example (strict CSP)", () => {
  it("greets the friend by name, company and offer from a real link, and shows nothing for a bad code", async () => {
    await adminSend(apiUrl, "PATCH", "/v1/program", { greeting: { reveal: "name_and_company" } });
    const { member } = await adminSend<{ member: { link: string } }>(apiUrl, "POST", "/v1/members", {
      id: `greeted_${Date.now().toString(36)}`,
      name: "Dana Scully",
      company: "Northwind",
    });
    const page = await newPage();
    const { errors } = watchPage(page);
    const visit = answerFrom(page, "/v1/track/visit");
    await page.goto(member.link);
    expect((await visit).status()).toBe(201);
    const greeting = page.locator("[data-vouch-greeting]");
    await greeting.waitFor({ state: "visible" });
    // The demo program's friend reward, from its rules, after who sent them.
    expect(await greeting.textContent()).toMatch(/^Dana from Northwind invited you to Ledgerly — you get \$100 /);
    expect(await cspViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    const bad = await newPage();
    const refused = answerFrom(bad, "/v1/track/visit");
    await bad.goto(`http://localhost:${marketingPort}/?via=NOSUCH99`);
    expect((await refused).status()).toBe(404);
    expect(await bad.locator("[data-vouch-greeting]").isHidden()).toBe(true);
    expect(await bad.locator("[data-vouch-greeting]").textContent()).toBe("");
  });
});

describe("eligibility and moments in the widget (hostile page, strict CSP)", () => {
  async function openAs(attributes: Record<string, unknown>, prefix: string) {
    const page = await newPage();
    const watch = watchPage(page);
    const enrolled = answerFrom(page, "/v1/members/me");
    const query = memberQuery(uniqueMember(prefix), { attributes: JSON.stringify(attributes) });
    await page.goto(`${hostUrl}/hostile?${query}`);
    const answer = await (await enrolled).json();
    return { page, answer, ...watch };
  }

  it("an ineligible member sees no callout; an eligible one does", async () => {
    await adminSend(apiUrl, "PATCH", "/v1/program", {
      eligibility: { match: "all", conditions: [{ attribute: "nps", op: "gte", value: 9 }] },
    });
    const detractor = await openAs({ nps: 4 }, "detractor");
    expect(detractor.answer.eligible).toBe(false);
    await detractor.page.waitForTimeout(200); // the widget has the answer; give it time to (not) render
    expect(await detractor.page.locator("vouch-callout").count()).toBe(0);

    const promoter = await openAs({ nps: 10 }, "promoter");
    expect(promoter.answer.eligible).toBe(true);
    await promoter.page.locator("vouch-callout").getByRole("button", { name: "Refer & earn" }).waitFor();
    const counts = await adminGet<{ eligible: number; not_eligible: number }>(apiUrl, "/v1/analytics/eligibility");
    expect(counts.eligible).toBeGreaterThanOrEqual(1);
    expect(counts.not_eligible).toBeGreaterThanOrEqual(1);
    expect(promoter.errors).toEqual([]);
  });

  it("a renewed moment shows the nudge once, accessibly and without taking focus; the second time not", async () => {
    await adminSend(apiUrl, "PATCH", "/v1/program", { eligibility: null });
    const { page, errors } = await openAs({ plan: "team" }, "renewer");
    await page.locator("vouch-callout").getByRole("button", { name: "Refer & earn" }).waitFor();
    await page.locator("#host-title").evaluate((el) => {
      el.setAttribute("tabindex", "-1");
      (el as HTMLElement).focus();
    });
    const first = answerFrom(page, "/v1/track/moment");
    await page.evaluate(() =>
      (window as unknown as { vouch: (c: string, a: string) => void }).vouch("moment", "renewed"),
    );
    expect((await (await first).json()).nudge.moment).toBe("renewed");
    const nudge = page.getByRole("region", { name: "Referral suggestion" });
    await nudge.waitFor();
    expect(await nudge.textContent()).toContain("Thanks for staying with Ledgerly");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("host-title");
    // The hostile page's own lime-on-magenta fails axe on purpose; nothing of the widget's may.
    const ours = (await seriousViolations(page)).filter((v) => v.targets.some((t) => t.includes("vouch-")));
    expect(ours).toEqual([]);
    const dismissed = answerFrom(page, "/v1/track/nudge");
    await nudge.getByRole("button", { name: "Dismiss" }).click();
    expect((await dismissed).status()).toBe(202);
    expect(await page.locator("vouch-nudge").count()).toBe(0);

    const second = answerFrom(page, "/v1/track/moment");
    await page.evaluate(() =>
      (window as unknown as { vouch: (c: string, a: string) => void }).vouch("moment", "renewed"),
    );
    expect((await (await second).json()).nudge).toBeNull();
    await page.waitForTimeout(100);
    expect(await page.locator("vouch-nudge").count()).toBe(0);
    const stats = await adminGet<{ moments: { moment: string; dismissed: number }[] }>(apiUrl, "/v1/analytics/moments");
    expect(stats.moments.find((m) => m.moment === "renewed")?.dismissed).toBeGreaterThanOrEqual(1);
    expect(await cspViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
