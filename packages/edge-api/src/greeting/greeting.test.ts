import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, browser, enrol, makeProgram, ORIGIN, server } from "../../test/fixtures";
import { twoSidedRules } from "../rewards/two-sided";
import { CODE_MEMBER_SQL } from "../tracking/service";
import { buildGreeting, firstName } from "./greeting";

const GIVE_GET_100 = twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" });

async function ledgerly() {
  const p = await makeProgram({ name: "Ledgerly", offer_text: "" }, { rules: GIVE_GET_100 });
  const dana = await enrol(p, { id: "dana", name: "Dana Scully", company: "Northwind" });
  return { p, code: dana.member.code as string };
}

/** A visit as the German-speaking friend's browser sends it. */
async function visitIn(pk: string, code: string, acceptLanguage: string) {
  const res = await SELF.fetch(`${API}/v1/track/visit`, {
    method: "POST",
    headers: { "content-type": "text/plain", "x-vouch-key": pk, origin: ORIGIN, "accept-language": acceptLanguage },
    body: JSON.stringify({ code }),
  });
  return (await res.json()) as { greeting: { text: string; lang: string } };
}

describe("the friend's greeting in the visit's answer", () => {
  it("names the referrer by first name only by default, with the friend's offer from the rules", async () => {
    const { p, code } = await ledgerly();
    const { res, json } = await browser(p, "/v1/track/visit", { code });
    expect(res.status).toBe(201);
    expect(json.greeting).toEqual({
      text: "Dana invited you to Ledgerly — you get $100 in account credit",
      lang: "en",
      referrer: { first_name: "Dana", company: null },
      offer: "$100 in account credit",
    });
    const { json: program } = await server(p, "GET", "/v1/program");
    expect(program.program.greeting).toEqual({ reveal: "first_name", offer: null });
  });

  it("follows the program's reveal setting and offer words; German by the browser, or the program's language", async () => {
    const { p, code } = await ledgerly();
    const patch = await server(p, "PATCH", "/v1/program", {
      greeting: {
        reveal: "name_and_company",
        offer: { en: "get $100 off your first invoice", de: "100 $ Rabatt auf Ihre erste Rechnung" },
      },
    });
    expect(patch.res.status).toBe(200);
    const en = await browser(p, "/v1/track/visit", { code });
    expect(en.json.greeting.text).toBe("Dana from Northwind invited you to Ledgerly — get $100 off your first invoice");
    const de = await visitIn(p.pk, code, "de-AT,de;q=0.9,en;q=0.5");
    expect(de.greeting).toMatchObject({
      text: "Dana von Northwind hat Sie zu Ledgerly eingeladen — 100 $ Rabatt auf Ihre erste Rechnung",
      lang: "de",
    });

    await server(p, "PATCH", "/v1/program", { greeting: { reveal: "nothing", offer: null }, page_language: "de" });
    const hidden = await visitIn(p.pk, code, "en-US");
    expect(hidden.greeting.text).toBe("Sie wurden zu Ledgerly eingeladen — Sie erhalten 100\u00a0$ Guthaben");
    expect(hidden.greeting.text).not.toContain("Dana");
  });

  it("refuses an unknown reveal setting with a clear error", async () => {
    const { p } = await ledgerly();
    const { res, json } = await server(p, "PATCH", "/v1/program", { greeting: { reveal: "full_name" } });
    expect(res.status).toBe(422);
    expect(json.error.code).toBe("validation_failed");
    expect(json.error.details[0].path).toBe("greeting.reveal");
  });

  it("is read with the code lookup in one statement that uses indexes only", async () => {
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${CODE_MEMBER_SQL}`).bind("X", "Y").all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail);
    expect(details, details.join("; ")).toContainEqual(expect.stringMatching(/^SEARCH m USING INDEX/));
    expect(details.filter((d) => /^SCAN /.test(d))).toEqual([]);
  });

  it("has no greeting for an unknown code (the answer is unknown_code)", async () => {
    const { p } = await ledgerly();
    const { res, json } = await browser(p, "/v1/track/visit", { code: "NOSUCH99" });
    expect(res.status).toBe(404);
    expect(json.greeting).toBeUndefined();
  });
});

describe("buildGreeting", () => {
  const settings = { reveal: "name_and_company" as const, offer: null, program: "Ledgerly", pageLanguage: null };

  it("says less when it knows less: no company, no name, no friend reward", () => {
    expect(buildGreeting({ name: "Dana", company: null }, settings, null, "en").text).toBe(
      "Dana invited you to Ledgerly.",
    );
    expect(buildGreeting({ name: "  ", company: "Northwind" }, settings, null, "en").text).toBe(
      "You were invited to Ledgerly.",
    );
  });

  it("keeps names short and never builds markup", () => {
    expect(firstName("Dana   Katherine Scully")).toBe("Dana");
    expect(firstName("x".repeat(100))).toHaveLength(40);
    const g = buildGreeting({ name: "<img src=x onerror=alert(1)>", company: null }, settings, null, "en");
    // Plain text: the tracker sets it with textContent, so the markup stays visible characters.
    expect(g.text).toBe("<img invited you to Ledgerly.");
  });
});
