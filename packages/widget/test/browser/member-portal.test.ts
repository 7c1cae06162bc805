import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seriousViolations } from "../../../../scripts/lib/axe";
import { ARTIFACTS, adminSend, launchChromium, uniqueMember, watchPage } from "./helpers";

/*
 * One Click Access and the member portal (packages/edge-api/src/portal) in a real browser: a link minted with the
 * secret key opens the portal with JavaScript off, the token is gone from the address bar, the page is styled
 * under its strict CSP, and axe-core finds no serious or critical violation in either language.
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

/** A demo member with a customer and a lead, and a fresh link to their portal. */
async function memberWithLink() {
  const who = uniqueMember("portal");
  const { member } = await adminSend<{ member: { id: string; code: string } }>(apiUrl, "POST", "/v1/members", {
    id: who.id,
    email: who.email,
    name: who.name,
  });
  const friend = (name: string) => `${name.toLowerCase()}@${who.id.replace(/_/g, "-")}-friend.example`;
  await adminSend(apiUrl, "POST", "/v1/conversions", {
    email: friend("sam"),
    name: "Sam Lee",
    code: member.code,
    value_cents: 49_900,
    currency: "USD",
  });
  await adminSend(apiUrl, "POST", "/v1/conversions", { email: friend("pat"), code: member.code, status: "qualified" });
  const link = await adminSend<{ url: string; expires_at: string }>(
    apiUrl,
    "POST",
    `/v1/members/${member.id}/access-link`,
    { expires_in_hours: 1 },
  );
  return { member, link };
}

describe("One Click Access", () => {
  it("opens the portal from a link with JavaScript off, and the token leaves the address bar", async () => {
    const { member, link } = await memberWithLink();
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 900 } });
    try {
      const page = await context.newPage();
      const { errors } = watchPage(page);
      const res = await page.goto(`${link.url}?lang=en`);
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(`${apiUrl}/p/${SLUG}/me?lang=en`);
      expect(page.url()).not.toContain(link.url.split("/o/")[1]);
      expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Your referrals at Ledgerly");
      // The demo's brand colour comes through the hashed <style>.
      const hero = page.locator("header.hero");
      expect(await hero.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(15, 118, 110)");
      await expect(page.locator("dd code").nth(1).textContent()).resolves.toBe(member.code);
      const rows = page.getByRole("table", { name: "Your referrals" }).locator("tbody tr");
      expect(await rows.count()).toBe(2);
      await expect(rows.first().textContent()).resolves.toMatch(/^p•••@p•••\.exampleQualified/);
      await expect(page.getByRole("progressbar").getAttribute("value")).resolves.toBe("1");
      const share = page.getByRole("link", { name: /LinkedIn/ });
      expect(await share.getAttribute("href")).toContain(encodeURIComponent(member.code));
      await page.screenshot({ path: path.join(ARTIFACTS, "member-portal.png"), fullPage: true });
      // The session cookie is the portal's only.
      const cookies = await context.cookies();
      expect(cookies.map((c) => [c.name, c.path, c.httpOnly, c.secure, c.sameSite])).toEqual([
        ["vouch_portal", `/p/${SLUG}/me`, true, true, "Lax"],
      ]);
      expect(errors.filter((e) => !e.includes("favicon"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("passes axe in English and German, with no CSP violation; a bad link gets a readable page", async () => {
    const { link } = await memberWithLink();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on("console", (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
      });
      await page.goto(link.url);
      expect(page.url()).toBe(`${apiUrl}/p/${SLUG}/me`);
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`${apiUrl}/p/${SLUG}/me?lang=de`);
      await expect(page.getByRole("heading", { level: 2, name: "Ihre Prämien" }).isVisible()).resolves.toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      // Nothing wider than a phone: no sideways scrolling.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: path.join(ARTIFACTS, "member-portal-de-mobile.png"), fullPage: true });

      const bad = await page.goto(`${link.url.slice(0, -3)}xyz?lang=en`);
      expect(bad?.status()).toBe(401);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This link does not work");
      expect(await seriousViolations(page)).toEqual([]);
      // Without the cookie: how to get a link, no member data.
      await context.clearCookies();
      await page.goto(`${apiUrl}/p/${SLUG}/me?lang=en`);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Open your referral page");
      expect(await page.locator("code").count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
