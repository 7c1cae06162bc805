/**
 * Experiments (packages/edge-api/src/experiments) seen from the member's side: two message variants on the demo
 * program split members, the widget's share panel shows each member their variant's message, and the results
 * count each variant's members and shares.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { assignVariant } from "../../../edge-api/src/experiments/assign";
import { adminGet, adminSend, launchChromium, memberQuery, uniqueMember, watchPage } from "./helpers";

const apiUrl = inject("apiUrl");
const hostUrl = inject("hostUrl");

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

type Variant = { id: string; key: string; weight: number };
type Experiment = { id: string; variants: Variant[] };
type Results = {
  variants: { key: string; exposed: number; shares: number }[];
  readout: string;
};

describe("experiments in the widget (real API, real Chromium)", () => {
  it("splits members between two messages, shows each their variant's message, and counts them per variant", async () => {
    const { experiment } = await adminSend<{ experiment: Experiment }>(apiUrl, "POST", "/v1/experiments", {
      name: "Widget message test",
      variants: [
        { key: "a", message: "Variant A: {program} saves us hours. {link}" },
        { key: "b", message: "Variant B: our whole team runs on {program}. {link}" },
      ],
    });
    try {
      // Members made by the vendor's server are not in the experiment yet (nobody has shown them anything); their
      // variant is already fixed by the hash, so pick one member for each.
      const picked = new Map<string, ReturnType<typeof uniqueMember>>();
      for (let i = 0; i < 40 && picked.size < 2; i++) {
        const member = uniqueMember("experiment");
        const created = await adminSend<{ member: { id: string } }>(apiUrl, "POST", "/v1/members", {
          id: member.id,
          email: member.email,
          name: member.name,
          company: member.company,
        });
        const variant = await assignVariant(experiment.id, created.member.id, experiment.variants);
        if (!picked.has(variant.key)) picked.set(variant.key, member);
      }
      expect([...picked.keys()].sort()).toEqual(["a", "b"]);

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hostUrl });
      const page = await context.newPage();
      const { errors } = watchPage(page);
      for (const [key, member] of [...picked.entries()].sort()) {
        await page.goto(`${hostUrl}/basic?${memberQuery(member)}`);
        await page.locator("vouch-callout").getByRole("button").click();
        const link = await page.getByLabel("Your referral link").inputValue();
        const message = page.getByLabel("Your message (edit it before you send)");
        const expected =
          key === "a"
            ? `Variant A: Ledgerly saves us hours. ${link}`
            : `Variant B: our whole team runs on Ledgerly. ${link}`;
        await expect.poll(() => message.inputValue()).toBe(expected);
        await page.getByRole("button", { name: "Copy link" }).click();
        await page.getByRole("button", { name: "✓ Copied" }).waitFor();
      }
      expect(errors).toEqual([]);
      await context.close();

      // The results: one member shown each variant, one share each.
      await expect
        .poll(
          async () => {
            const results = await adminGet<Results>(apiUrl, `/v1/experiments/${experiment.id}/results`);
            return results.variants.map((v) => [v.key, v.exposed, v.shares]);
          },
          { timeout: 5000 },
        )
        .toEqual([
          ["a", 1, 1],
          ["b", 1, 1],
        ]);
      const results = await adminGet<Results>(apiUrl, `/v1/experiments/${experiment.id}/results`);
      expect(results.readout).toContain("No difference to test yet");
    } finally {
      // The demo program is shared with the other browser tests: they see the program's own message again.
      await adminSend(apiUrl, "POST", `/v1/experiments/${experiment.id}/end`, {});
    }
  });
});
