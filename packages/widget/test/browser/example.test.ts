import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitForHttp } from "../../../../scripts/lib/stack";
import { ARTIFACTS, adminGet, DEMO, launchChromium, watchPage } from "./helpers";

const apiUrl = inject("apiUrl");
const examplePort = inject("examplePort");
const marketingPort = inject("marketingPort");
const examplesDir = path.resolve(import.meta.dirname, "../../../../examples");

const servers: ChildProcess[] = [];
let browser: Browser;

function startExample(name: string, port: number): Promise<void> {
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: path.join(examplesDir, name),
    env: {
      ...process.env,
      PORT: String(port),
      VOUCH_API_URL: apiUrl,
      VOUCH_PUBLISHABLE_KEY: DEMO.publishableKey,
      VOUCH_IDENTITY_SECRET: DEMO.identitySecret,
    },
    stdio: "ignore",
  });
  servers.push(child);
  return waitForHttp(`http://127.0.0.1:${port}/`, 20_000, child);
}

beforeAll(async () => {
  await Promise.all([startExample("saas-dashboard", examplePort), startExample("marketing-site", marketingPort)]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const child of servers) child.kill("SIGTERM");
});

describe("examples/saas-dashboard", () => {
  it("serves the dashboard under a strict CSP with the signed identity in a JSON block", async () => {
    const res = await fetch(`http://127.0.0.1:${examplePort}/`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("style-src 'self'");
    // The widget's fallback <style> (no constructable stylesheets) carries the page nonce: style-src allows it.
    const scriptNonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(csp).toContain(`style-src 'self' 'nonce-${scriptNonce}'`);
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    const config = JSON.parse(
      /<script type="application\/json" id="vouch-config">(.*?)<\/script>/s.exec(html)?.[1] ?? "",
    );
    expect(config.member.id).toBe("user_1001");
    expect(config.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(html).not.toContain(DEMO.identitySecret);
  });

  it("is styled under the page CSP in a browser without constructable stylesheets", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const { errors } = watchPage(page);
      await page.addInitScript(() => {
        // An older browser: no adoptedStyleSheets, so the widget falls back to <style nonce>.
        delete (ShadowRoot.prototype as { adoptedStyleSheets?: unknown }).adoptedStyleSheets;
        const violations: string[] = [];
        (window as unknown as { __cspViolations: string[] }).__cspViolations = violations;
        document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
      });
      await page.goto(`http://localhost:${examplePort}/`);
      const callout = page.locator(".sidebar-callout vouch-callout");
      const button = callout.getByRole("button", { name: "Refer & earn" });
      await button.waitFor();
      expect(await callout.evaluate((el) => el.shadowRoot?.querySelector("style")?.nonce)).toBeTruthy();
      expect(await button.evaluate((el) => getComputedStyle(el).display)).toMatch(/flex/); // not inline-block
      await page.getByRole("button", { name: "Refer a peer" }).click();
      const dialog = page.getByRole("dialog", { name: "Refer a peer to Ledgerly" });
      await dialog.waitFor();
      expect(await dialog.evaluate((el) => getComputedStyle(el).position)).toBe("absolute");
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual(
        [],
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a member opens the panel, copies the link and follows it to the marketing site", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const { errors } = watchPage(page);
      const origin = `http://localhost:${examplePort}`;
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
      await page.goto(`${origin}/`);
      const callout = page.locator(".sidebar-callout vouch-callout");
      await callout.getByRole("button", { name: "Refer & earn" }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "example-dashboard.png") });

      // The top bar's own "Refer a peer" button opens the panel through vouch('open').
      await page.getByRole("button", { name: "Refer a peer" }).click();
      const dialog = page.getByRole("dialog", { name: "Refer a peer to Ledgerly" });
      await dialog.waitFor();
      await dialog.getByRole("button", { name: "Copy link" }).click();
      await dialog.getByRole("button", { name: "✓ Copied" }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "example-panel.png") });
      await dialog.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.screenshot({ path: path.join(ARTIFACTS, "example-panel-bottom.png") });
      const link = await page.evaluate(() => navigator.clipboard.readText());
      expect(link).toMatch(new RegExp(`^http://localhost:${marketingPort}/\\?via=[A-Z0-9]+$`));
      expect(errors).toEqual([]);

      const before = await adminGet<{ visits: number }>(apiUrl, "/v1/analytics/summary");
      const friend = await context.newPage();
      await friend.goto(link);
      expect(await friend.title()).toMatch(/Ledgerly/);
      // The marketing site's tracker recorded the visit against Dana's code.
      await expect
        .poll(async () => (await adminGet<{ visits: number }>(apiUrl, "/v1/analytics/summary")).visits, {
          timeout: 10_000,
        })
        .toBe(before.visits + 1);
    } finally {
      await context.close();
    }
  });
});
