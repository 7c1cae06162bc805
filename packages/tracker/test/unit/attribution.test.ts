import { describe, expect, test } from "vitest";
import { DEFAULT_PARAMS, readLanding, referralAfterVisit } from "../../src/attribution";
import type { VisitResponse } from "../../src/types";

describe("readLanding", () => {
  test("reads the code, sub-source and UTM fields, and strips only the Vouch parameters", () => {
    const landing = readLanding(
      "https://ledgerly.example/pricing?plan=team&via=anna7k2m&vsrc=newsletter&utm_source=mail&utm_medium=email&utm_campaign=spring#faq",
      DEFAULT_PARAMS,
    );
    expect(landing?.[0]).toEqual({
      code: "anna7k2m",
      sub_source: "newsletter",
      utm_source: "mail",
      utm_medium: "email",
      utm_campaign: "spring",
    });
    expect(landing?.[1]).toBe(
      "https://ledgerly.example/pricing?plan=team&utm_source=mail&utm_medium=email&utm_campaign=spring#faq",
    );
  });

  test("takes the first configured parameter that has a value, and strips all of them", () => {
    const landing = readLanding("https://x.example/?ref=&partner=BORIS9QX&via=ANNA7K2M", ["ref", "partner", "via"]);
    expect(landing?.[0].code).toBe("BORIS9QX");
    expect(landing?.[1]).toBe("https://x.example/");
  });

  test("strips from the raw query: every other parameter stays byte for byte (a signed URL keeps working)", () => {
    const landing = readLanding(
      "https://x.example/cb?sig=a~b%2Fc&next=%2Fapp%3Fx%3D1&flag&q=a+b%20c&via=ANNA7K2M&vsrc=nl#top",
      DEFAULT_PARAMS,
    );
    expect(landing?.[1]).toBe("https://x.example/cb?sig=a~b%2Fc&next=%2Fapp%3Fx%3D1&flag&q=a+b%20c#top");
  });

  test("ignores parameters that are not configured", () => {
    expect(readLanding("https://x.example/?ref=producthunt", ["via"])).toBeUndefined();
    expect(readLanding("https://x.example/?vsrc=newsletter", DEFAULT_PARAMS)).toBeUndefined();
  });

  test("caps fields to what the API accepts", () => {
    const long = "x".repeat(500);
    const [visit] = readLanding(`https://x.example/?via=A&vsrc=${long}&utm_campaign=${long}`, DEFAULT_PARAMS)!;
    expect(visit.sub_source).toHaveLength(99);
    expect(visit.utm_campaign).toHaveLength(199);
  });
});

describe("referralAfterVisit", () => {
  const visit = (model: "first" | "last"): VisitResponse => ({
    click_id: "clk_0000000000000002",
    code: "BORIS9QX",
    attribution: { model, window_days: 30 },
    expires_at: "2026-02-01T00:00:00.000Z",
    greeting: {
      text: "Boris invited you to Ledgerly.",
      lang: "en",
      referrer: { first_name: "Boris", company: null },
      offer: null,
    },
  });
  const kept = { code: "ANNA7K2M", click_id: "clk_0000000000000001", ts: 1, expires: Date.parse("2026-01-20") };

  test("the first visit is kept under either model, with the program's window", () => {
    for (const model of ["first", "last"] as const) {
      expect(referralAfterVisit(undefined, visit(model), 1000)).toEqual({
        code: "BORIS9QX",
        click_id: "clk_0000000000000002",
        ts: 1000,
        expires: Date.parse("2026-02-01T00:00:00.000Z"),
        model,
      });
    }
  });

  test("first click keeps the referral it has; last click replaces it", () => {
    expect(referralAfterVisit(kept, visit("first"), 1000)).toBeUndefined();
    expect(referralAfterVisit(kept, visit("last"), 1000)?.code).toBe("BORIS9QX");
  });

  test("a referral the vendor's server set (no click id) is kept for its own code under either model", () => {
    const fromServer = { code: "BORIS9QX", ts: 1, expires: Date.parse("2026-03-01"), set_by: "server" as const };
    for (const model of ["first", "last"] as const) {
      // This (full) build has the consent gate: the server's cookie stays as it is, nothing to save.
      expect(referralAfterVisit({ ...fromServer }, visit(model), 1000)).toBeUndefined();
    }
    // Another member's link: first click keeps the server's referral, last click takes the new one.
    const other = { ...fromServer, code: "ANNA7K2M" };
    expect(referralAfterVisit(other, visit("first"), 1000)).toBeUndefined();
    expect(referralAfterVisit(other, visit("last"), 1000)).toMatchObject({ code: "BORIS9QX", ts: 1000 });
  });
});
