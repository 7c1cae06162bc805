import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { seriousViolations } from "../../../scripts/lib/axe";
import { launchChromium } from "../../../scripts/lib/chromium";
import { type ApiHandle, DEMO, freePort, startApi } from "../../../scripts/lib/stack";

export type { ApiHandle };
export { DEMO, freePort, launchChromium };
export const ARTIFACTS = path.resolve(import.meta.dirname, "../artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

/** The API on workerd with the demo program and its demo owner, seeded with referrals and rewards to act on. */
export async function startSeededApi(opts: Parameters<typeof startApi>[0] = {}): Promise<ApiHandle> {
  const api = await startApi({ demoRules: true, ...opts });
  const call = secretCall(api.url);
  // Rewards that wait for a person: approval manual, no hold, so the approval queue has work in it.
  await call("PUT", "/v1/reward-rules", {
    rules: [
      {
        id: "friend-reward",
        trigger: "converted",
        recipient: "friend",
        kind: "account_credit",
        amount: { type: "flat", value: 10_000 },
        currency: "USD",
      },
      {
        id: "member-reward",
        trigger: "converted",
        recipient: "member",
        kind: "cash",
        amount: { type: "flat", value: 10_000 },
        currency: "USD",
      },
    ],
    approval: "manual",
  });
  const members = [];
  for (const [id, name, company] of [
    ["u-dana", "Dana Scully", "Northwind"],
    ["u-boris", "Boris Ng", "Globex"],
    ["u-carla", "Carla Diaz", "Initech"],
  ]) {
    members.push(
      (
        await call("POST", "/v1/members", {
          id,
          name,
          company,
          email: `${id?.slice(2)}@${company?.toLowerCase()}.test`,
        })
      ).member,
    );
  }
  // Visits through the members' links, as the tracker on the marketing site sends them.
  for (const [i, member] of members.entries()) {
    for (let v = 0; v < 4 + 3 * i; v++) {
      const res = await browserCall(
        api.url,
        "/v1/track/visit",
        {
          code: member.code,
          campaign: v % 2 ? "spring-launch" : undefined,
          landing_url: `http://localhost:${DEMO.marketingPort}/?via=${member.code}`,
        },
        { "user-agent": `bench-${i}-${v}` },
      );
      if (res.status !== 201) throw new Error(`visit: ${res.status} ${await res.text()}`);
    }
  }
  const friends = [
    ["sam@hooli.test", "Sam Lee", "Hooli", 0],
    ["kim@pied-piper.test", "Kim Park", "Pied Piper", 0],
    ["lee@umbrella.test", "Lee Chen", "Umbrella", 1],
    ["ana@wayne.test", "Ana Ruiz", "Wayne Enterprises", 2],
  ] as const;
  for (const [email, name, company, m] of friends) {
    await call("POST", "/v1/conversions", {
      code: members[m].code,
      email,
      name,
      company,
      plan: "growth",
      value_cents: 49_900,
      currency: "USD",
    });
  }
  return api;
}

/** A call the widget or tracker makes from the demo's marketing site: its publishable key and origin. */
export function browserCall(apiUrl: string, route: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${apiUrl}${route}`, {
    method: "POST",
    headers: {
      "x-vouch-key": DEMO.publishableKey,
      origin: `http://localhost:${DEMO.marketingPort}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

export function secretCall(apiUrl: string) {
  return async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** A fresh browser context (its own cookies) that records console errors, CSP refusals and failed requests. */
export async function openContext(
  browser: Browser,
  storageState?: Awaited<ReturnType<BrowserContext["storageState"]>>,
) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...(storageState ? { storageState } : {}),
  });
  const problems: string[] = [];
  const page = await context.newPage();
  page.on("console", (m) => {
    // Opening the app asks who is signed in; before signing in (or after signing out) that answer is a 401.
    const signedOutProbe = m.location().url.endsWith("/v1/admin/session") && m.text().includes("401");
    if (m.type() === "error" && !signedOutProbe) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, problems };
}

/**
 * A page already signed in as the demo owner. The session is made once and its cookie reused: the API allows ten
 * sign-ins a minute from one address, and every test here comes from the same one.
 */
let ownerState: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined;
export async function openSignedIn(browser: Browser, apiUrl: string) {
  if (!ownerState) {
    const first = await openContext(browser);
    await signIn(first.page, apiUrl);
    ownerState = await first.context.storageState();
    await first.context.close();
  }
  const opened = await openContext(browser, ownerState);
  await opened.page.goto(`${apiUrl}/admin/`);
  await opened.page.getByRole("navigation", { name: "Dashboard" }).waitFor();
  return opened;
}

export async function signIn(
  page: Page,
  apiUrl: string,
  email: string = DEMO.adminEmail,
  password: string = DEMO.adminPassword,
) {
  await page.goto(`${apiUrl}/admin/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Dashboard" }).waitFor();
}

/** axe-core on the page as it is: no serious or critical violation (scripts/lib/axe.ts). */
export async function expectAccessible(page: Page, label: string) {
  const serious = await seriousViolations(page);
  expect(serious, `${label}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export type { BrowserContext, Page };
