/**
 * The dashboard in real Chromium against the real API (workerd + local D1, the demo program and its demo owner):
 * each page driven the way a vendor would, checked through the API, axe-core on every page, screenshots in
 * artifacts/ to look at.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveFake } from "../../edge-api/test/fakes/fake";
import paypalFake from "../../edge-api/test/fakes/paypal";
import {
  type ApiHandle,
  browserCall,
  DEMO,
  expectAccessible,
  freePort,
  launchChromium,
  openContext,
  openSignedIn,
  screenshot,
  secretCall,
  signIn,
  startSeededApi,
} from "./stack";

let api: ApiHandle;
let browser: Browser;
/** A local PayPal (the edge API's test fake, checking PayPal's real request shapes) for the payouts test. */
let paypal: Awaited<ReturnType<typeof serveFake>>;

beforeAll(async () => {
  const port = await freePort();
  paypal = await serveFake(paypalFake);
  [api, browser] = await Promise.all([
    startSeededApi({
      port,
      scheduled: true,
      vars: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PAYPAL_CLIENT_ID: "vouch-e2e",
        PAYPAL_CLIENT_SECRET: "vouch-e2e-secret",
        PAYPAL_API_URL: `${paypal.url}/e2e`,
      },
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await paypal?.close();
});

describe("sign-in", () => {
  it("refuses a wrong password readably, then signs in to the overview with KPIs and charts", async () => {
    const { context, page, problems } = await openContext(browser);
    const answer = await page.goto(`${api.url}/admin/`);
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await expectAccessible(page, "sign-in");
    await page.getByLabel("Email").fill(DEMO.adminEmail);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("do not match");
    await screenshot(page, "01-sign-in");

    await page.getByLabel("Password").fill(DEMO.adminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // The session cookie is HttpOnly: no script on the page can read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("vouch_session");
    const cookie = (await context.cookies()).find((c) => c.name === "__Host-vouch_session");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    await page.locator(".kpi-value").first().waitFor();
    await expect
      .poll(() =>
        page
          .locator(".kpi")
          .filter({ has: page.locator(".kpi-label", { hasText: /^Customers$/ }) })
          .locator(".kpi-value")
          .textContent(),
      )
      .toBe("4");
    await page.locator(".uplot canvas").first().waitFor();
    expect(await page.locator(".uplot").count()).toBe(2);
    await expect.poll(() => page.locator(".top-members li").count()).toBe(3);
    await expectAccessible(page, "overview");
    await screenshot(page, "02-overview");
    // Usable from 1,024 px wide: nothing spills sideways.
    await page.setViewportSize({ width: 1024, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await screenshot(page, "02-overview-1024");

    // Every answer under /admin/ carries the CSP: the app for any path (an .html one too), a 404 for a missing file.
    for (const [path, status] of [
      ["/admin/index.html", 200],
      ["/admin/assets/missing.js", 404],
      ["/admin/referrals/x", 200],
    ] as const) {
      const res = await fetch(`${api.url}${path}`);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
    // A deep link survives a reload (the Worker answers the app for any /admin/ path).
    await page.goto(`${api.url}/admin/rewards?state=pending`);
    await page.getByRole("heading", { name: "Rewards" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("running the program", () => {
  it("finds a referral, reads its timeline and changes its status with a reason", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Referrals" }).click();
    await page.getByLabel("Search referrals").fill("umbrella");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await expectAccessible(page, "referrals");
    await screenshot(page, "03-referrals");
    await page.getByRole("link", { name: "lee@umbrella.test" }).click();
    await page.getByRole("heading", { name: "lee@umbrella.test" }).waitFor();
    await expect.poll(() => page.locator(".timeline li").count()).toBeGreaterThanOrEqual(3);
    await page.getByLabel("New status").selectOption("renewed");
    await page.getByLabel("Deal value (USD)").fill("499");
    await page.getByLabel("Reason").fill("Renewed the annual plan by bank transfer");
    await page.getByRole("button", { name: "Change status" }).click();
    await expect.poll(() => page.locator(".timeline").textContent()).toContain("converted → renewed");
    await expectAccessible(page, "referral");
    await screenshot(page, "04-referral");
    const call = secretCall(api.url);
    const [referral] = (await call("GET", "/v1/referrals?q=umbrella")).data;
    expect(referral.status).toBe("renewed");
    const detail = await call("GET", `/v1/referrals/${referral.id}`);
    expect(detail.events.at(-1)).toMatchObject({
      to: "renewed",
      reason: "Renewed the annual plan by bank transfer",
      value_cents: 49_900,
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("finds a member, shows their link, and suspends them", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByLabel("Search members").fill("globex");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.getByRole("link", { name: "Boris Ng" }).click();
    await page.getByRole("heading", { name: "Boris Ng" }).waitFor();
    expect(await page.locator(".facts").textContent()).toContain("/r/ledgerly-demo/");
    await expectAccessible(page, "member");
    await page.getByLabel("Reason").fill("Posted the link on a coupon site");
    await page.getByRole("button", { name: "Suspend member" }).click();
    await page.getByRole("button", { name: "Lift the suspension" }).waitFor();
    await screenshot(page, "05-member");
    const { data } = await secretCall(api.url)("GET", "/v1/members?q=globex");
    expect(data[0]).toMatchObject({ status: "suspended", suspended_reason: "Posted the link on a coupon site" });
    await page.getByRole("button", { name: "Lift the suspension" }).click();
    await page.getByRole("button", { name: "Suspend member" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("approves rewards in bulk, exports the payout run as CSV and marks it paid with a reference", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThanOrEqual(8);
    await expectAccessible(page, "rewards");
    await screenshot(page, "06-rewards-to-approve");
    await page.getByLabel("Select all").check();
    await page.getByRole("button", { name: "Approve selected" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/approved/);
    const call = secretCall(api.url);
    const approved = (await call("GET", "/v1/rewards?state=approved")).data as { id: string; amount: number }[];
    expect(approved.length).toBeGreaterThanOrEqual(7); // the suspended-then-lifted member's too

    await page.getByRole("tab", { name: "To pay" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(approved.length);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export approved (CSV)" }).click(),
    ]);
    const csv = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(csv).toString("utf8").trim().split("\n");
    expect(lines).toHaveLength(approved.length + 1);
    expect(lines[0]).toContain("reward_id");
    for (const reward of approved) expect(lines.some((l) => l.includes(reward.id))).toBe(true);

    await page.getByLabel("Select all").check();
    await page.getByRole("button", { name: "Mark selected paid…" }).click();
    await page.getByLabel("Payout reference").fill("bank-run-2026-12");
    await expectAccessible(page, "pay dialog");
    await screenshot(page, "07-mark-paid");
    await page.getByRole("dialog").getByRole("button", { name: "Mark paid" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("bank-run-2026-12");
    const paid = (await call("GET", "/v1/rewards?state=paid")).data as { payout_id: string }[];
    expect(paid).toHaveLength(approved.length);
    expect(new Set(paid.map((w) => w.payout_id)).size).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("edits the rules with errors shown as you type, simulates them, and publishes a new version", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Reward rules" }).click();
    const editor = page.getByLabel("Rules (JSON)");
    await editor.waitFor();
    const before = (await secretCall(api.url)("GET", "/v1/reward-rules")).rules.version;
    const config = JSON.parse(await editor.inputValue());
    config.rules[1].currency = undefined;
    await editor.fill(JSON.stringify(config, null, 2));
    await expect.poll(() => page.locator(".problems").textContent()).toContain("rules.1.currency");
    await expect.poll(() => page.getByRole("button", { name: "Publish rules" }).isDisabled()).toBe(true);

    config.rules[1].currency = "USD";
    config.rules.push({
      id: "third",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 25_000 },
      currency: "USD",
      milestone: { at: 3 },
    });
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByLabel("Friends", { exact: true }).fill("3");
    await page.getByLabel("Renewals each").fill("2");
    const table = page.getByRole("table", { name: "What each person earns" });
    await expect.poll(() => table.locator("tbody tr").first().textContent()).toContain("$550.00");
    await expectAccessible(page, "rules");
    await screenshot(page, "08-rules");
    await page.getByRole("button", { name: "Publish rules" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain(`version ${before + 1}`);
    const rules = (await secretCall(api.url)("GET", "/v1/reward-rules")).rules;
    expect(rules.version).toBe(before + 1);
    expect(rules.rules.map((r: { id: string }) => r.id)).toContain("third");
    // The broken rules were refused by the API (422 on the preview), nothing else failed.
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((p) => !(p.includes("422") && p.includes("/v1/reward-rules/preview")))).toEqual([]);
    await context.close();
  });

  it("starts an experiment from the page, shows its results per variant with the readout, and ends it", async () => {
    const call = secretCall(api.url);
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Experiments" }).click();
    await page.getByLabel("Experiment name").fill("Savings vs. team");
    await page.getByLabel("Variant 1 message").fill("Ledgerly saves us hours. {link}");
    await page.getByLabel("Variant 2 message").fill("Our whole team runs on Ledgerly. {link}");
    // Rules that are not JSON are caught in the page, next to the field, before anything is sent.
    await page.getByLabel("Variant 2 reward rules (optional)").fill("{ not json");
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.getByText("This is not JSON").waitFor();
    await expectAccessible(page, "experiment-new");
    await screenshot(page, "09-experiment-new");
    await page.getByLabel("Variant 2 reward rules (optional)").fill("");
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.waitForURL(/\/admin\/experiments\/exp_/);
    const experimentId = new URL(page.url()).pathname.split("/").pop() as string;
    const { experiment } = await call("GET", `/v1/experiments/${experimentId}`);
    expect(experiment).toMatchObject({ name: "Savings vs. team", status: "running" });
    expect(experiment.variants.map((v: { key: string; message: string }) => [v.key, v.message])).toEqual([
      ["a", "Ledgerly saves us hours. {link}"],
      ["b", "Our whole team runs on Ledgerly. {link}"],
    ]);
    // The widget shows the members the program: each is assigned a variant then, by the documented rule
    // (SHA-256 of `<experiment id>:<Vouch member id>`, first 32 bits over the weights; equal weights here).
    // The experiment's id is new each run, so the three seeded members can all land in one variant (one run
    // in four): then members who just signed up are shown it too, until both variants have someone.
    const inA = (memberId: string) =>
      createHash("sha256").update(`${experiment.id}:${memberId}`).digest().readUInt32BE(0) / 2 ** 32 < 0.5;
    const enrol = async (id: string): Promise<string> => {
      const res = await browserCall(api.url, "/v1/members/me", {
        member: { id },
        signature: createHmac("sha256", DEMO.identitySecret).update(id).digest("hex"),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { member: { id: string } }).member.id;
    };
    const shownTo: string[] = [];
    for (const id of ["u-dana", "u-boris", "u-carla"]) shownTo.push(await enrol(id));
    for (let i = 0; new Set(shownTo.map(inA)).size < 2; i++) shownTo.push(await enrol(`u-newcomer-${i}`));
    await page.reload();
    const table = page.getByRole("table", { name: "Results per variant" });
    await table.waitFor();
    const shown = await table
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => Number(r.querySelector("td")?.textContent)));
    const predictedA = shownTo.filter(inA).length;
    expect(shown).toEqual([predictedA, shownTo.length - predictedA]);
    expect(await page.getByTestId("experiment-readout").textContent()).toMatch(/No difference to test yet|leads/);
    await expectAccessible(page, "experiment");
    await screenshot(page, "09-experiment");
    await page.getByRole("button", { name: "End experiment" }).click();
    await page.getByText("Ended", { exact: true }).waitFor();
    expect((await call("GET", `/v1/experiments/${experiment.id}`)).experiment.status).toBe("ended");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("changes the program's offer and colour, with a live preview", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Program" }).click();
    await page.getByLabel("Offer text").fill("Give a month, get a month.");
    await page.getByLabel("Brand colour (hex)").fill("#0f766e");
    expect(await page.locator(".callout").textContent()).toContain("Give a month, get a month.");
    await page.getByRole("button", { name: "Add a question" }).click();
    await page.getByLabel("Question 1").fill("Who can I refer?");
    await page.getByLabel("Answer 1").fill("Any finance team that is not a customer yet.");
    await expectAccessible(page, "program");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").waitFor();
    await screenshot(page, "09-program");
    const { program } = await secretCall(api.url)("GET", "/v1/program");
    expect(program).toMatchObject({ offer_text_override: "Give a month, get a month.", brand_color: "#0f766e" });
    expect(program.page_faq).toEqual([{ q: "Who can I refer?", a: "Any finance team that is not a customer yet." }]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("turns a member email off and sends this month's summary now, from the Program page", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Program" }).click();
    const emails = page.getByRole("region", { name: "Member emails" });
    await emails.getByLabel("Monthly summary").uncheck();
    await expectAccessible(page, "program-emails");
    await emails.getByRole("button", { name: "Save email settings" }).click();
    await emails.getByRole("status").getByText("Email settings saved.").waitFor();
    const { email_settings } = await secretCall(api.url)("GET", "/v1/program/email-settings");
    expect(email_settings).toMatchObject({ monthly_summary: false, welcome: true, reward_paid: true });
    await emails.getByLabel("Monthly summary").check();
    await emails.getByRole("button", { name: "Save email settings" }).click();
    await emails.getByRole("button", { name: "Send this month's summary now" }).click();
    await emails
      .getByRole("status")
      .getByText(/Monthly summary for \d{4}-\d{2}: \d+ emails? written/)
      .waitFor();
    expect((await secretCall(api.url)("GET", "/v1/program/email-settings")).email_settings.monthly_summary).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the install snippets, checks the install, and rotates a key (shown once)", async () => {
    const { context, page, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Install & keys" }).click();
    await expect.poll(() => page.locator(".checks").textContent()).toContain("received");
    expect(await page.locator(".checks li", { hasText: "a member enrolled" }).textContent()).toContain("received");
    const keysBefore = (await secretCall(api.url)("GET", "/v1/api-keys")).data.length;
    await page.getByRole("button", { name: "Create a secret key" }).click();
    const dialog = page.getByRole("dialog", { name: "Your new key" });
    await dialog.waitFor();
    const secret = (await dialog.locator("code").textContent()) ?? "";
    expect(secret).toMatch(/^vch_sk_test_/);
    await expectAccessible(page, "new key");
    await screenshot(page, "10-new-key");
    await dialog.getByRole("button", { name: "I have stored it" }).click();
    // The new key works; then revoke it from the list.
    expect((await fetch(`${api.url}/v1/program`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    const keys = (await secretCall(api.url)("GET", "/v1/api-keys")).data as { id: string; prefix: string }[];
    expect(keys).toHaveLength(keysBefore + 1);
    const created = keys.find((k) => secret.startsWith(k.prefix.replace("…", ""))) as { prefix: string };
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: `Revoke ${created.prefix}` }).click();
    await expect
      .poll(
        async () => (await fetch(`${api.url}/v1/program`, { headers: { authorization: `Bearer ${secret}` } })).status,
      )
      .toBe(401);
    await page.getByLabel("Publishable key for the snippets").fill(DEMO.publishableKey);
    expect(await page.locator(".snippet pre").first().textContent()).toContain(`data-key="${DEMO.publishableKey}"`);
    await expectAccessible(page, "install");
    await screenshot(page, "11-install");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("trust", () => {
  it("decides a fraud review with a reason: the flagged referral's rewards go on", async () => {
    const call = secretCall(api.url);
    const { data: members } = await call("GET", "/v1/members?q=carla");
    await call("POST", "/v1/conversions", {
      code: members[0].code,
      email: "throwaway@mailinator.com",
      value_cents: 9_900,
      currency: "USD",
    });
    const { page, context, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Fraud reviews" }).click();
    const card = page.getByRole("region", { name: "throwaway@mailinator.com" });
    await card.waitFor();
    expect(await card.locator(".reasons").textContent()).toContain("disposable email");
    await expectAccessible(page, "reviews");
    await card.getByLabel("Reason for throwaway@mailinator.com").fill("Checked with the customer: a real team.");
    await screenshot(page, "12-review");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("approved");
    const { data: reviews } = await call("GET", "/v1/reviews?status=approved");
    expect(reviews.find((r: { friend_email: string }) => r.friend_email === "throwaway@mailinator.com")).toMatchObject({
      decision_reason: "Checked with the customer: a real team.",
    });
    const { data: rewards } = await call("GET", `/v1/rewards?referral_id=${reviews[0].referral_id}`);
    expect(rewards.every((w: { state: string }) => w.state !== "in_review")).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("webhooks", () => {
  it("adds an endpoint (secret shown once), sends a test event, and replays it with the same webhook-id", async () => {
    const received: { id: string; signature: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push({
          id: String(req.headers["webhook-id"]),
          signature: String(req.headers["webhook-signature"]),
          body,
        });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("thanks");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as { port: number }).port;
    try {
      const { page, context, problems } = await openSignedIn(browser, api.url);
      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("button", { name: "Add an endpoint…" }).click();
      const dialog = page.getByRole("dialog", { name: "Add an endpoint" });
      await dialog.getByLabel("URL").fill(`http://localhost:${port}/hooks/vouch`);
      await dialog.getByLabel("Description").fill("Fulfil rewards");
      await expectAccessible(page, "add endpoint");
      await dialog.getByRole("button", { name: "Add endpoint" }).click();
      const shown = page.getByRole("dialog", { name: "Signing secret" });
      expect(await shown.locator("code").textContent()).toMatch(/^whsec_/);
      await shown.getByRole("button", { name: "Done" }).click();
      const card = page.getByRole("region", { name: `http://localhost:${port}/hooks/vouch` });
      await card.getByRole("button", { name: "Send a test event" }).click();
      await expect.poll(() => card.getByRole("status").textContent()).toContain("answered 200");
      expect(received).toHaveLength(1);
      expect(received[0]?.signature).toMatch(/^v1,/);
      expect(JSON.parse(received[0]?.body ?? "{}").type).toBe("webhook.test");
      await page
        .getByRole("button", { name: /^Replay webhook\.test/ })
        .first()
        .click();
      await expect.poll(() => received.length, { timeout: 20_000 }).toBe(2);
      expect(received[1]?.id).toBe(received[0]?.id);
      await expectAccessible(page, "webhooks");
      await screenshot(page, "13-webhooks");
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      receiver.close();
    }
  });
});

describe("integrations", () => {
  it("connects Stripe: the URL and events to paste, the secret saved (owner), and the status", async () => {
    const { page, context, problems } = await openSignedIn(browser, api.url);
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByText("not connected").first().waitFor();
    expect(await page.locator(".steps-list").first().textContent()).toContain(
      `/v1/integrations/stripe/${DEMO.programId}`,
    );
    await page.getByLabel("Signing secret").fill("whsec_dashboard0123456789abcdef");
    await page.getByRole("button", { name: "Save the secret" }).click();
    await page.getByText("connected", { exact: true }).waitFor();
    // HubSpot: the credentials are write-only, the page shows which token is saved, never the token.
    const token = "pat-na1-5f2b7c1e-0d4a-4a8e-9b3c-2f6d8e1a9f2c";
    await page.getByLabel("Private app access token").fill(token);
    await page.getByLabel("App client secret (signs webhooks)").fill("3c1d9e8f-4b2a-47d6-a5e1-0f9c8b7a6d5e");
    await page.getByLabel("Stage mapping").first().fill("Sales qualified lead = qualified\nclosedwon = converted");
    await page.getByRole("button", { name: "Save HubSpot" }).click();
    await page.getByText("Saved (pat-…9f2c); never shown.").first().waitFor();
    expect(await page.content()).not.toContain(token);
    const hubspot = await secretCall(api.url)("GET", "/v1/integrations/hubspot");
    expect(hubspot).toMatchObject({
      configured: true,
      stage_map: { "Sales qualified lead": "qualified", closedwon: "converted" },
    });
    await expectAccessible(page, "integrations");
    await screenshot(page, "14-integrations");
    const stripe = await secretCall(api.url)("GET", "/v1/integrations/stripe");
    expect(stripe.configured).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("roles", () => {
  it("a viewer reads every page but cannot change anything, in the page or through the API", async () => {
    const owner = await openSignedIn(browser, api.url);
    const added = await owner.page.evaluate(async (program) => {
      const session = await (await fetch("/v1/admin/session")).json();
      const res = await fetch("/v1/admin/admins", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token, "x-vouch-program": program },
        body: JSON.stringify({ email: "viewer@ledgerly.test", role: "viewer", password: "a long viewer password" }),
      });
      return res.status;
    }, DEMO.programId);
    expect(added).toBe(201);
    await owner.context.close();

    const { context, page, problems } = await openContext(browser);
    await signIn(page, api.url, "viewer@ledgerly.test", "a long viewer password");
    await page.getByRole("link", { name: "Rewards" }).click();
    await page.getByRole("heading", { name: "Rewards" }).waitFor();
    expect(await page.getByRole("button", { name: "Approve selected" }).count()).toBe(0);
    await page.getByRole("link", { name: "Reward rules" }).click();
    await page.getByLabel("Rules (JSON)").waitFor();
    expect(await page.getByLabel("Rules (JSON)").getAttribute("readonly")).not.toBeNull();
    expect(await page.getByRole("button", { name: "Publish rules" }).count()).toBe(0);
    // The simulator works for a viewer too (it saves nothing).
    await page.getByRole("table", { name: "What each person earns" }).waitFor();
    // Even a hand-made request with the session and its CSRF token is refused.
    const refused = await page.evaluate(async (program) => {
      const session = await (await fetch("/v1/admin/session")).json();
      const res = await fetch("/v1/program", {
        method: "PATCH",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token, "x-vouch-program": program },
        body: JSON.stringify({ name: "Hijacked" }),
      });
      return { status: res.status, body: await res.json() };
    }, DEMO.programId);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "forbidden_role" } } });
    // Signing out ends the session on the server too.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.evaluate(async () => (await fetch("/v1/admin/session")).status)).toBe(401);
    expect(problems).toEqual([expect.stringMatching(/status of 403 .*\/v1\/program\)$/)]);
    await context.close();
  });
});

describe("payouts", () => {
  it("a member opens the monthly summary, follows One Click Access into the portal and picks PayPal; a payout run pays through PayPal once", async () => {
    const call = secretCall(api.url);
    await call("PATCH", "/v1/payouts/settings", { methods: ["paypal", "manual"] });
    // Dana brings one more customer; the vendor approves the $100 it earned her.
    const dana = (await call("GET", "/v1/members?q=dana")).data[0] as { id: string; code: string };
    const conversion = await call("POST", "/v1/conversions", {
      code: dana.code,
      email: "pat@massive-dynamic.test",
      value_cents: 49_900,
      currency: "USD",
    });
    const reward = (conversion.rewards as { id: string; recipient: string }[]).find((r) => r.recipient === "member");
    await call("POST", "/v1/rewards/approve", { ids: [reward?.id] });
    // This month's summary, as the cron writes it on the 1st ("send now" from the API), then the cron sends the
    // outbox through the local provider.
    // (An earlier test may have sent this month's already: then it writes none, and Dana's is in /dev/mail anyway.)
    const summary = await call("POST", "/v1/emails/monthly-summary");
    expect(summary.month).toBe(new Date().toISOString().slice(0, 7));
    await fetch(`${api.url}/__scheduled?cron=*+*+*+*+*`);

    const { context, page, problems } = await openContext(browser);
    await page.goto(`${api.url}/dev/mail`);
    const mail = page
      .getByRole("row")
      .filter({ hasText: "dana@northwind.test" })
      .filter({ hasText: "Your Ledgerly referrals:" });
    await expect
      .poll(
        async () => {
          await page.reload();
          return mail.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    await mail.getByRole("link").first().click();
    // The summary: her referrals and rewards, share links, and One Click Access into her portal.
    expect(await page.content()).toContain("Sam");
    await screenshot(page, "20-monthly-summary");
    await page.getByRole("link", { name: "Open your referral page" }).click();
    await page.waitForURL(`${api.url}/p/ledgerly-demo/me`);
    await page.getByRole("heading", { name: "Getting paid" }).waitFor();
    const section = page.locator("section", { has: page.getByRole("heading", { name: "Getting paid" }) });
    expect((await section.textContent())?.replaceAll("\u00a0", " ")).toContain(
      "$100 is ready: choose how you want to be paid",
    );
    await page.getByRole("radio", { name: "PayPal" }).check();
    await page.getByLabel("Email address for PayPal, Tremendous or Wise").fill("dana.paypal@northwind.test");
    await page.getByRole("button", { name: "Save payout method" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await page.getByRole("radio", { name: "PayPal" }).isChecked()).toBe(true);
    await expectAccessible(page, "portal payouts");
    await screenshot(page, "21-portal-getting-paid");
    expect(problems).toEqual([]);
    await context.close();

    // PayPal settles small batches at once here: the payout is paid as soon as PayPal says so.
    await fetch(`${paypal.url}/e2e/_settle`, {
      method: "PUT",
      body: JSON.stringify({ transaction_status: "SUCCESS" }),
    });
    const admin = await openSignedIn(browser, api.url);
    await admin.page.getByRole("link", { name: "Payouts" }).click();
    await admin.page.getByRole("button", { name: "Pay approved rewards" }).click();
    await expect.poll(() => admin.page.getByRole("status").textContent()).toContain("1 payout created: $100.00");
    await expect
      .poll(async () => (await call("GET", `/v1/payouts?member_id=${dana.id}`)).data[0]?.state, { timeout: 20_000 })
      .toBe("paid");
    expect((await call("GET", `/v1/rewards/${reward?.id}`)).reward.state).toBe("paid");
    const log = (await (await fetch(`${paypal.url}/e2e/_log`)).json()) as { path: string; body: any }[];
    const creates = log.filter((r) => r.path === "/v1/payments/payouts");
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body.items[0]).toMatchObject({
      receiver: "dana.paypal@northwind.test",
      amount: { value: "100.00", currency: "USD" },
    });

    // The same run again: nothing left to pay, nothing sent.
    await admin.page.reload();
    await admin.page.getByRole("button", { name: "Pay approved rewards" }).click();
    await expect.poll(() => admin.page.getByRole("status").textContent()).toContain("Nothing to pay in this run.");
    await admin.page.getByRole("tab", { name: "Paid" }).click();
    // Dana's PayPal payout once (the manual payout an earlier test recorded is listed too).
    await expect
      .poll(() => admin.page.locator("tbody tr").filter({ hasText: "dana.paypal@northwind.test" }).count())
      .toBe(1);
    await expectAccessible(admin.page, "payouts");
    await screenshot(admin.page, "22-payouts");
    const after = (await (await fetch(`${paypal.url}/e2e/_log`)).json()) as { path: string }[];
    expect(after.filter((r) => r.path === "/v1/payments/payouts")).toHaveLength(1);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  });
});
