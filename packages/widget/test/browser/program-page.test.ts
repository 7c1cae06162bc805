import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seriousViolations } from "../../../../scripts/lib/axe";
import { ARTIFACTS, launchChromium, watchPage } from "./helpers";

/*
 * The hosted program page (GET /p/<slug>, packages/edge-api/src/program-page) in a real browser: styled under its
 * strict CSP (the one inline style allowed by its hash), readable without JavaScript, FAQ answers open with a
 * click, and axe-core finds no serious or critical accessibility violation in either language.
 */

const apiUrl = inject("apiUrl");
const SLUG = "ledgerly-demo";

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("the hosted program page", () => {
  it("is styled under its CSP and works with JavaScript off", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 900 } });
    try {
      const page = await context.newPage();
      const { errors } = watchPage(page);
      const res = await page.goto(`${apiUrl}/p/${SLUG}?lang=en`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
      await expect(page.title()).resolves.toBe("Ledgerly referral program");
      // The demo's brand colour comes through the hashed <style>: a blocked style would leave it transparent.
      const hero = page.locator("header.hero");
      expect(await hero.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(15, 118, 110)");
      expect(await page.getByRole("heading", { level: 2 }).allTextContents()).toEqual([
        "How it works",
        "Frequently asked questions",
        "Terms",
      ]);
      const steps = page.locator("ol.steps > li");
      expect(await steps.count()).toBeGreaterThanOrEqual(3);
      // A FAQ answer opens without script.
      const question = page.locator("details").filter({ hasText: "Can I refer myself?" });
      await question.locator("summary").click();
      await expect(question.evaluate((el) => (el as HTMLDetailsElement).open)).resolves.toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, "program-page.png"), fullPage: true });
      // The language link leads to the German page.
      await page.getByRole("link", { name: "Deutsch" }).click();
      await page.waitForURL(/lang=de/);
      expect(await page.locator("html").getAttribute("lang")).toBe("de");
      await expect(page.getByRole("heading", { level: 2, name: "So funktioniert es" }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, "program-page-de.png"), fullPage: true });
      expect(errors.filter((e) => !e.includes("favicon"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("reports no CSP violation with JavaScript on", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on("console", (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
      });
      await page.goto(`${apiUrl}/p/${SLUG}`);
      await page.waitForLoadState("load");
      expect(violations).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`${apiUrl}/p/${SLUG}?lang=de`);
      expect(await seriousViolations(page)).toEqual([]);
      const missing = await page.goto(`${apiUrl}/p/no-such-program`);
      expect(missing?.status()).toBe(404);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Page not found");
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
