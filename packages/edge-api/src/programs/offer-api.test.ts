import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, ORIGIN, server, type TestProgram } from "../../test/fixtures";
import { NO_REWARD_RULES } from "../rewards/offer";
import { twoSidedRules } from "../rewards/two-sided";
import type { CreateProgramInput } from "./schema";

const GIVE_GET_100 = twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" });

/** A program written the way `pnpm vouch create-program --give 100 --get 100 --currency USD` writes it. */
function programWithRules(overrides: Partial<CreateProgramInput> = {}): Promise<TestProgram> {
  return makeProgram(
    {
      name: "Ledgerly",
      landing_url: "https://ledgerly.test/",
      allowed_origins: [ORIGIN],
      offer_text: "",
      ...overrides,
    },
    { rules: GIVE_GET_100 },
  );
}

describe("the offer on /v1/program", () => {
  it("is the rules in words unless overridden; the CLI's rules are exactly what the API stores", async () => {
    const p = await programWithRules();
    const { json } = await server(p, "GET", "/v1/program");
    expect(json.program).toMatchObject({ offer_text: "Give $100, get $100.", offer_text_override: null, warnings: [] });
    // Saving the same rules through the API is "unchanged": same JSON, still version 1.
    const put = await server(p, "PUT", "/v1/reward-rules", GIVE_GET_100);
    expect(put.res.status).toBe(200);
    expect(put.json).toMatchObject({ created: false, rules: { version: 1 } });
  });

  it("follows the rules as they change, and warns when there are none", async () => {
    const p = await programWithRules();
    await server(p, "PUT", "/v1/reward-rules", twoSidedRules({ get: 5_000, currency: "EUR" }));
    expect((await server(p, "GET", "/v1/program")).json.program.offer_text).toBe(
      "Get €50 for every customer you refer.",
    );
    await server(p, "PUT", "/v1/reward-rules", { rules: [] });
    const { json } = await server(p, "GET", "/v1/program");
    expect(json.program).toMatchObject({ offer_text: "", offer_text_override: null, warnings: [NO_REWARD_RULES] });
    expect(json.program.warnings[0].message).toContain("PUT /v1/reward-rules");
  });

  it("warns a program that promises an offer without any rules", async () => {
    const p = await makeProgram(); // offer_text "Give $100, get $100." and no rules: hole 9
    const { json } = await server(p, "GET", "/v1/program");
    expect(json.program).toMatchObject({
      offer_text: "Give $100, get $100.",
      offer_text_override: "Give $100, get $100.",
      warnings: [{ code: "no_reward_rules" }],
    });
  });

  it("PATCH sets and clears the override, and answers the effective offer", async () => {
    const p = await programWithRules();
    const set = await server(p, "PATCH", "/v1/program", { offer_text_override: "Two months free for you both." });
    expect(set.json.program).toMatchObject({
      offer_text: "Two months free for you both.",
      offer_text_override: "Two months free for you both.",
      warnings: [],
    });
    const cleared = await server(p, "PATCH", "/v1/program", { offer_text_override: null });
    expect(cleared.json.program).toMatchObject({ offer_text: "Give $100, get $100.", offer_text_override: null });
    // The older field name is the same override.
    await server(p, "PATCH", "/v1/program", { offer_text: "Old name." });
    const viaOldName = await server(p, "PATCH", "/v1/program", { offer_text: "" });
    expect(viaOldName.json.program).toMatchObject({ offer_text: "Give $100, get $100.", offer_text_override: null });
    const both = await server(p, "PATCH", "/v1/program", { offer_text: "a", offer_text_override: "b" });
    expect(both.res.status).toBe(422);
    expect(both.json.error.details).toEqual([
      { path: "offer_text", message: "Send offer_text_override or offer_text, not both" },
    ]);
  });
});

describe("the offer on POST /v1/members/me", () => {
  it("shows and sends the rules in words, and no warnings", async () => {
    const p = await programWithRules({ message_template: "Try {program}. {offer} {link}" });
    const me = await enrol(p, { id: "u1", name: "Dana" });
    expect(me.program).toMatchObject({ offer_text: "Give $100, get $100.", test_mode: false, warnings: [] });
    expect(me.message).toBe(`Try Ledgerly. Give $100, get $100. ${me.member.link}`);
  });

  it("keeps the program's own offer text when it has one", async () => {
    const p = await programWithRules({ offer_text: "Two months free for you both." });
    const me = await enrol(p, { id: "u1" });
    expect(me.program.offer_text).toBe("Two months free for you both.");
    expect(me.message).toContain("Two months free for you both.");
  });

  it("tells a test-mode widget that nothing pays, and never a live one", async () => {
    const test = await makeProgram({ test_mode: true, offer_text: "" });
    const unsigned = await browser(test, "/v1/members/me", { member: { id: "u1" } });
    expect(unsigned.json.program).toMatchObject({ offer_text: "", warnings: [NO_REWARD_RULES] });
    expect(unsigned.json.message).not.toContain("{offer}");
    expect(unsigned.json.message).not.toMatch(/ {2}/);

    const live = await makeProgram({ offer_text: "" });
    expect((await enrol(live, { id: "u1" })).program.warnings).toEqual([]);

    await server(test, "PUT", "/v1/reward-rules", GIVE_GET_100);
    const after = await browser(test, "/v1/members/me", { member: { id: "u1" } });
    expect(after.json.program).toMatchObject({ offer_text: "Give $100, get $100.", warnings: [] });
  });
});
