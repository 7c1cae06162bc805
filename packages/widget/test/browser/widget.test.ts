import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_RULES } from "../../../edge-api/scripts/demo";
import {
  ARTIFACTS,
  adminGet,
  adminSend,
  launchChromium,
  memberQuery,
  sharesByChannel,
  uniqueMember,
  watchPage,
} from "./helpers";

const apiUrl = inject("apiUrl");
const hostUrl = inject("hostUrl");

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
});

async function openFixture(scenario: string, query: string, viewport = { width: 1280, height: 800 }) {
  context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${hostUrl}/${scenario}?${query}`);
  return { page, ...watch };
}

const calloutButton = (page: Page) => page.locator("vouch-callout").getByRole("button");
const dialog = (page: Page) => page.getByRole("dialog");

describe("widget on a host page (real API, real Chromium)", () => {
  it("shows the callout with the offer in the brand colour, and loads the panel only when asked", async () => {
    const panelRequests: string[] = [];
    const { page, errors } = await openFixture("basic", memberQuery(uniqueMember("callout")));
    page.on("request", (r) => {
      if (r.url().includes("widget-panel.js")) panelRequests.push(r.url());
    });
    const button = calloutButton(page);
    await button.waitFor();
    expect(await button.textContent()).toBe("Refer & earn");
    await expect
      .poll(() => page.locator("vouch-callout .card").textContent())
      .toBe("Give $100, get $100, plus $250 on your third customer.Refer & earn");
    const background = await button.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe("rgb(15, 118, 110)"); // #0f766e, the demo program's brand colour
    expect(panelRequests).toEqual([]);
    await page.locator("#sidebar").screenshot({ path: path.join(ARTIFACTS, "callout.png") });

    await button.click();
    await dialog(page).waitFor();
    expect(panelRequests).toHaveLength(1);
    expect(panelRequests[0]).toMatch(/\/widget-panel\.js\?v=[0-9a-f]{10}$/);
    await expect.poll(() => page.getByLabel("Your referral link").inputValue()).toMatch(/\?via=[A-Z0-9]+/);
    await page.screenshot({ path: path.join(ARTIFACTS, "panel.png") });
    expect(errors).toEqual([]);
  });

  it("opens by keyboard, traps focus, closes on Escape and returns focus to the callout", async () => {
    const { page } = await openFixture("basic", memberQuery(uniqueMember("keyboard")));
    await calloutButton(page).waitFor();
    const focusedLabel = () =>
      page.evaluate(() => {
        let el = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return `${el?.tagName}:${el?.getAttribute("aria-label") ?? el?.textContent?.trim()}`;
      });
    for (let i = 0; i < 5 && (await focusedLabel()) !== "BUTTON:Refer & earn"; i++) await page.keyboard.press("Tab");
    expect(await focusedLabel()).toBe("BUTTON:Refer & earn");
    // A visible focus ring on the callout button.
    const outline = await calloutButton(page).evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe("solid");

    await page.keyboard.press("Enter");
    await dialog(page).waitFor();
    await expect.poll(focusedLabel).toMatch(/^DIV:/); // the dialog itself takes focus first
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const inDialog = await page.evaluate(() => {
        const root = document.querySelector("vouch-panel")?.shadowRoot;
        return Boolean(root?.activeElement && root.querySelector('[role="dialog"]')?.contains(root.activeElement));
      });
      expect(inDialog).toBe(true);
      seen.add(await focusedLabel());
    }
    expect(seen.has("BUTTON:Close")).toBe(true); // Tab wrapped around from the last control to the first

    await page.keyboard.press("Escape");
    await dialog(page).waitFor({ state: "detached" });
    expect(await focusedLabel()).toBe("BUTTON:Refer & earn");
  });

  it("copies the link to the clipboard, says Copied, and records a copy share", async () => {
    const before = await sharesByChannel(apiUrl);
    const { page } = await openFixture("basic", memberQuery(uniqueMember("copy")));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hostUrl });
    await calloutButton(page).click();
    const link = await page.getByLabel("Your referral link").inputValue();
    expect(link).toMatch(/^http:\/\/localhost:\d+\/\?via=[A-Z0-9]+$/);
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByRole("button", { name: "✓ Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await expect
      .poll(async () => (await sharesByChannel(apiUrl)).copy ?? 0, { timeout: 5000 })
      .toBe((before.copy ?? 0) + 1);
  });

  it("opens each share channel with the member's message and records each share", async () => {
    const before = await sharesByChannel(apiUrl);
    const { page } = await openFixture("basic", memberQuery(uniqueMember("share")));
    // No internet here: the social sites answer from a stub; the URL the widget opened is what we check.
    await context.route(/^https:\/\/(www\.linkedin\.com|x\.com|wa\.me)\//, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: "<title>stub</title>" }),
    );
    await calloutButton(page).click();
    const link = await page.getByLabel("Your referral link").inputValue();
    const message = page.getByLabel("Your message (edit it before you send)");
    await message.fill("Dana here: Ledgerly cut our month-end close in half.");
    const text = `Dana here: Ledgerly cut our month-end close in half. ${link}`;

    const expected: Record<string, string> = {
      LinkedIn: `https://www.linkedin.com/feed/?shareActive=true&text=${encodeURIComponent(text)}`,
      X: `https://x.com/intent/post?text=${encodeURIComponent(text)}`,
      WhatsApp: `https://wa.me/?text=${encodeURIComponent(text)}`,
    };
    for (const [name, url] of Object.entries(expected)) {
      const [popup] = await Promise.all([
        context.waitForEvent("page"),
        page.getByRole("link", { name: new RegExp(`^${name} `) }).click(),
      ]);
      await popup.waitForLoadState();
      expect(popup.url()).toBe(url);
      expect(await popup.evaluate(() => window.opener)).toBeNull(); // noopener: the site cannot reach back
      await popup.close();
    }
    const email = page.getByRole("link", { name: "Email", exact: true });
    expect(await email.getAttribute("href")).toBe(`mailto:?subject=Try%20Ledgerly&body=${encodeURIComponent(text)}`);
    // Keep Chromium from handing mailto: to an OS mail client; the click handler still runs.
    await email.evaluate((a) => a.addEventListener("click", (e) => e.preventDefault()));
    await email.click();

    await expect
      .poll(
        async () => {
          const after = await sharesByChannel(apiUrl);
          return ["email", "linkedin", "x", "whatsapp"].map((c) => (after[c] ?? 0) - (before[c] ?? 0));
        },
        { timeout: 5000 },
      )
      .toEqual([1, 1, 1, 1]);
  });

  it("refer-a-peer creates a lead, and shows invalid email and self-referral errors", async () => {
    const member = uniqueMember("peer");
    const { page } = await openFixture("basic", memberQuery(member));
    await calloutButton(page).click();
    const form = dialog(page);
    const email = form.getByLabel(/^Work email/);
    const send = form.getByRole("button", { name: "Send referral" });

    await email.fill("not-an-email");
    await send.click();
    await form.getByText("Enter a valid work email address, like alex@company.com.").waitFor();
    expect(await email.getAttribute("aria-invalid")).toBe("true");

    await email.fill(member.email);
    await send.click();
    await form.getByRole("alert").getByText("You cannot refer yourself.").waitFor();

    await email.fill(`cfo@${member.email.split("@")[1]}`);
    await send.click();
    await form.getByText(/Referrals within your own company do not count/).waitFor();

    const friend = `grace.${member.id}@cobol-systems.example`;
    await form.getByLabel(/^Name/).fill("Grace Hopper");
    await email.fill(friend);
    await form.getByLabel(/^Company$/).fill("Cobol Systems");
    await form.getByLabel("Role (optional)").fill("Controller");
    await form.getByLabel("Company size (optional)").selectOption("51-200");
    await send.click();
    // New or already referred, the answer is the same; the thanks does not claim the friend is new.
    await form.getByText("Thanks! If Grace Hopper is new to Ledgerly, they'll count as your referral.").waitFor();
    expect(await form.locator(".referrals").textContent()).toContain("Grace Hopper");

    const referrals = await adminGet<{ data: Record<string, unknown>[] }>(apiUrl, "/v1/referrals?limit=50");
    const lead = referrals.data.find((r) => JSON.stringify(r).includes(friend));
    expect(lead).toBeTruthy();
    expect(lead?.status).toBe("lead");
    expect(JSON.stringify(lead)).toContain("Cobol Systems");
  });

  it("keeps a hostile member name as text", async () => {
    const member = { ...uniqueMember("xss"), name: "<img src=x onerror=alert(1)>" };
    const { page, errors } = await openFixture("basic", memberQuery(member));
    page.on("dialog", (d) => errors.push(`alert: ${d.message()}`));
    await calloutButton(page).click();
    const form = dialog(page);
    await form.getByLabel(/^Name/).fill("<img src=y onerror=alert(2)>");
    await form.getByLabel(/^Work email/).fill(`x.${member.id}@elsewhere.example`);
    await form.getByRole("button", { name: "Send referral" }).click();
    await form
      .getByText("Thanks! If <img src=y onerror=alert(2)> is new to Ledgerly, they'll count as your referral.")
      .waitFor();
    expect(
      await page.evaluate(() => document.querySelector("vouch-panel")?.shadowRoot?.querySelectorAll("img").length),
    ).toBe(0);
    expect(errors).toEqual([]);
  });

  it("renders correctly on a hostile page: global all:unset, !important rules, strict CSP with a nonce", async () => {
    const { page, errors } = await openFixture("hostile", memberQuery(uniqueMember("hostile")));
    const button = calloutButton(page);
    await button.waitFor();
    const style = await button.evaluate((el) => {
      const s = getComputedStyle(el);
      return {
        display: s.display,
        background: s.backgroundColor,
        color: s.color,
        fontSize: s.fontSize,
        transform: s.textTransform,
      };
    });
    expect(style).toEqual({
      display: "flex",
      background: "rgb(15, 118, 110)",
      color: "rgb(255, 255, 255)",
      fontSize: "14px",
      transform: "none",
    });
    await page.locator("#sidebar").screenshot({ path: path.join(ARTIFACTS, "hostile-callout.png") });

    await button.click();
    await dialog(page).waitFor(); // the panel chunk ran: the nonce was passed on to its <script>
    const box = await dialog(page).boundingBox();
    expect(box).toMatchObject({ y: 0, height: 800 });
    expect(box?.width).toBe(460);
    const hostPosition = await page.locator("vouch-panel").evaluate((el) => getComputedStyle(el).position);
    expect(hostPosition).toBe("fixed");
    await page.screenshot({ path: path.join(ARTIFACTS, "hostile-panel.png") });
    expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
    // Nothing leaks out: the host's own text keeps the host's (awful) styles.
    expect(await page.locator("#host-content").evaluate((el) => getComputedStyle(el).color)).toBe("rgb(0, 255, 0)");
  });

  it("shows the floating launcher when there is no placeholder", async () => {
    const { page } = await openFixture("launcher", memberQuery(uniqueMember("launcher")));
    const launcher = page.locator('vouch-callout[mode="launcher"]');
    await launcher.getByRole("button").waitFor();
    const box = await launcher.boundingBox();
    expect(box && box.x + box.width).toBe(1260);
    expect(box && box.y + box.height).toBe(780);
    await page.screenshot({ path: path.join(ARTIFACTS, "launcher.png") });
  });

  it("fits a 360 px screen and 200% zoom without sideways scrolling", async () => {
    for (const [name, viewport] of [
      ["360", { width: 360, height: 740 }],
      ["zoom200", { width: 640, height: 400 }],
    ] as const) {
      const { page } = await openFixture("basic", memberQuery(uniqueMember(`small${name}`)), viewport);
      await calloutButton(page).click();
      await dialog(page).waitFor();
      const fit = await dialog(page).evaluate((el) => ({
        width: el.getBoundingClientRect().width,
        overflow: el.scrollWidth - el.clientWidth,
      }));
      expect(fit.width).toBeLessThanOrEqual(viewport.width);
      expect(fit.overflow).toBe(0);
      const close = await dialog(page).getByRole("button", { name: "Close" }).boundingBox();
      expect(close && close.x + close.width).toBeLessThanOrEqual(viewport.width);
      const send = dialog(page).getByRole("button", { name: "Send referral" });
      await send.scrollIntoViewIfNeeded();
      expect(await send.isVisible()).toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, `panel-${name}.png`) });
      await context.close();
    }
  });

  it("destroy leaves no node behind, and init again brings the widget back", async () => {
    const { page } = await openFixture("basic", memberQuery(uniqueMember("destroy"), { autoinit: "0" }));
    await page.waitForFunction(() => (window.vouch as unknown as { loaded?: boolean })?.loaded === true);
    const before = await page.evaluate(() => document.documentElement.outerHTML);
    await page.evaluate(() => window.vouch?.("init", (window as unknown as { __vouchInit: unknown }).__vouchInit));
    await calloutButton(page).click();
    await dialog(page).waitFor();
    await page.evaluate(() => window.vouch?.("destroy"));
    expect(await page.evaluate(() => document.documentElement.outerHTML)).toBe(before);

    await page.evaluate(() => window.vouch?.("init", (window as unknown as { __vouchInit: unknown }).__vouchInit));
    await page.evaluate(() => window.vouch?.("init", (window as unknown as { __vouchInit: unknown }).__vouchInit));
    await calloutButton(page).waitFor();
    expect(await page.locator("vouch-callout").count()).toBe(1);
  });

  it("a forged signature is a quiet console warning, not a broken page", async () => {
    const { page, errors, warnings } = await openFixture("basic", memberQuery(uniqueMember("forged"), { forge: "1" }));
    await expect
      .poll(() => warnings.find((w) => w.startsWith("[vouch]")))
      .toBe("[vouch] invalid_signature: The identity signature does not match this member id.");
    expect(await page.locator("vouch-callout").count()).toBe(0);
    expect(await page.locator("#host-content").textContent()).toBe("Your workspace is ready.");
    // The 401 itself shows as a failed resource in DevTools; there are no script errors.
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
  });

  it("lets the host re-theme it with CSS custom properties", async () => {
    const { page } = await openFixture("basic", memberQuery(uniqueMember("theme")));
    await calloutButton(page).waitFor();
    await page.addStyleTag({ content: ":root { --vouch-brand: #7c3aed; --vouch-radius: 2px; }" });
    const style = await calloutButton(page).evaluate((el) => {
      const s = getComputedStyle(el);
      return [s.backgroundColor, s.borderTopLeftRadius];
    });
    expect(style).toEqual(["rgb(124, 58, 237)", "2px"]);
  });

  it("in test mode without reward rules, the panel says referrals earn nothing (and the callout promises nothing)", async () => {
    await adminSend(apiUrl, "PUT", "/v1/reward-rules", { rules: [] });
    try {
      const { page, errors } = await openFixture("basic", memberQuery(uniqueMember("norules")));
      const button = calloutButton(page);
      await button.waitFor();
      expect(await page.locator("vouch-callout .card").textContent()).toBe("Refer & earn");
      expect(await page.locator("vouch-callout .offer").count()).toBe(0);
      await page.locator("#sidebar").screenshot({ path: path.join(ARTIFACTS, "test-mode-no-rules-callout.png") });
      await button.click();
      const notice = dialog(page).getByText(
        "Test mode: this program has no reward rules yet, so referrals earn nothing.",
      );
      await notice.waitFor();
      // At the top of the panel's body, above the link, and styled apart from the ordinary test-mode line.
      expect(await notice.evaluate((el) => el === el.parentElement?.firstElementChild)).toBe(true);
      const style = await notice.evaluate((el) => {
        const s = getComputedStyle(el);
        return { border: s.borderLeftStyle, weight: s.fontWeight };
      });
      expect(style).toEqual({ border: "solid", weight: "600" });
      expect(
        await dialog(page)
          .getByText(/referrals and rewards here are not real/)
          .count(),
      ).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "test-mode-no-rules.png") });
      expect(errors).toEqual([]);
    } finally {
      await adminSend(apiUrl, "PUT", "/v1/reward-rules", DEMO_RULES);
    }
  });

  it("a suspended member's callout, launcher and panel say the link is paused and call nothing", async () => {
    // The API marks the member suspended and sends no member token; until its side lands, the test does that
    // to the real API's answer on its way to the page.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route(/\/v1\/members\/me/, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({
        response,
        json: { ...body, member: { ...body.member, status: "suspended" }, member_token: "" },
      });
    });
    const page = await context.newPage();
    const { errors } = watchPage(page);
    const tracked: string[] = [];
    context.on("request", (r) => {
      if (r.url().includes("/v1/track/")) tracked.push(r.url());
    });
    const paused = "Your referral link is paused for now. Questions? Please contact the Ledgerly team.";
    for (const scenario of ["basic", "launcher"]) {
      await page.goto(`${hostUrl}/${scenario}?${memberQuery(uniqueMember(`paused${scenario}`))}`);
      const button = calloutButton(page);
      await button.waitFor();
      expect(await button.textContent()).toContain("View your referrals");
      expect(await page.locator("vouch-callout .root").textContent()).toContain(paused);
      expect(await page.locator("vouch-callout .root").textContent()).not.toContain("Give $100");
      await (scenario === "basic" ? page.locator("#sidebar") : page).screenshot({
        path: path.join(ARTIFACTS, scenario === "basic" ? "suspended-callout.png" : "suspended-launcher.png"),
      });
    }
    await calloutButton(page).click();
    const panel = page.getByRole("dialog", { name: "Your referrals at Ledgerly" });
    await panel.waitFor();
    expect(await panel.getByText(paused).isVisible()).toBe(true);
    expect(await panel.locator("input, textarea, form").count()).toBe(0);
    expect(await panel.getByRole("link", { name: /LinkedIn|WhatsApp|Email/ }).count()).toBe(0);
    expect(await panel.getByRole("heading", { name: "Your referrals", exact: true }).isVisible()).toBe(true);
    expect(await panel.getByRole("progressbar").count()).toBe(0); // no milestone to work toward while paused
    await page.screenshot({ path: path.join(ARTIFACTS, "suspended-panel.png") });
    // Keyboard still works: Tab stays in the dialog, Escape closes it.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(tracked).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("speaks German on request", async () => {
    const { page } = await openFixture("basic", memberQuery(uniqueMember("locale"), { locale: "de" }));
    await calloutButton(page).click();
    await page.getByRole("dialog", { name: "Empfehlen Sie Ledgerly weiter" }).waitFor();
    expect(await calloutButton(page).textContent()).toBe("Empfehlen & verdienen");
  });
});
