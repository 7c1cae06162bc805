import { describe, expect, expectTypeOf, test } from "vitest";
import { CUSTOM_CODE_PATTERN } from "../../../edge-api/src/lib/ids";
import type { StoredReferral as TrackerReferral } from "../../../tracker/src/types";
import { attributionCookie, landingReferral, readReferral, type StoredReferral, serializeReferral } from "./cookie";

const DAY = 86_400_000;
const now = Date.UTC(2026, 0, 1);

/** The cookie header a browser sends back for a `Set-Cookie` value. */
const sentBack = (setCookie: string) => setCookie.split(";")[0]!;
const parse = (setCookie: string) => readReferral(sentBack(setCookie), now)!;
const trackerCookie = (referral: StoredReferral) => `vouch_ref=${encodeURIComponent(JSON.stringify(referral))}`;

describe("landingReferral", () => {
  test("reads the configured parameter (default `via`), trims and upper-cases the code, with vsrc", () => {
    expect(landingReferral("https://acme.example/?via=%20anna7k2m&vsrc=newsletter")).toEqual({
      code: "ANNA7K2M",
      subSource: "newsletter",
    });
    expect(landingReferral("/pricing?ref=ANNA7K2M")).toBeUndefined();
    expect(landingReferral("/pricing?ref=ANNA7K2M", ["via", "ref"])).toEqual({ code: "ANNA7K2M" });
  });

  test("only what can be a code: the API's pattern for codes", () => {
    expect(String(CUSTOM_CODE_PATTERN)).toBe("/^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/");
    for (const bad of ["ab", "-anna", "a".repeat(33), "anna 7k2m", '"};x'])
      expect(landingReferral(`/?via=${encodeURIComponent(bad)}`)).toBeUndefined();
  });
});

describe("attributionCookie", () => {
  test("a landing with a code: the program's window, no click id, marked as the server's", () => {
    const setCookie = attributionCookie({ url: "https://acme.example/?via=anna7k2m" }, { windowDays: 30 }, now)!;
    expect(setCookie).toMatch(/^vouch_ref=[^;]+; Path=\/; Max-Age=2592000; SameSite=Lax; Secure$/);
    expect(parse(setCookie)).toEqual({ code: "ANNA7K2M", ts: now, expires: now + 30 * DAY, set_by: "server" });
  });

  test("Secure only on https unless told; Domain when given (the tracker's data-domain)", () => {
    const plain = attributionCookie({ url: "http://localhost:4000/?via=ANNA7K2M" }, {}, now)!;
    expect(plain).not.toContain("Secure");
    expect(plain).toContain("Max-Age=7776000");
    const shared = attributionCookie({ url: "http://x/?via=ANNA7K2M" }, { domain: "acme.example", secure: true }, now)!;
    expect(shared).toMatch(/; Domain=acme\.example; Secure$/);
  });

  test("first click keeps the referral the visitor has; last click replaces it", () => {
    const kept = trackerCookie({
      code: "BORIS9QX",
      click_id: "clk_1",
      ts: now - DAY,
      expires: now + DAY,
      set_by: "server",
    });
    const request = { url: "https://acme.example/?via=ANNA7K2M", cookie: `theme=dark; ${kept}` };
    expect(attributionCookie(request, {}, now)).toBeUndefined();
    expect(parse(attributionCookie(request, { model: "last" }, now)!).code).toBe("ANNA7K2M");
    // An expired one is no referral.
    const expired = trackerCookie({ code: "BORIS9QX", ts: 0, expires: now - 1 });
    expect(parse(attributionCookie({ ...request, cookie: expired }, {}, now)!).code).toBe("ANNA7K2M");
  });

  test("the tracker's own cookie is written again from the server, once, with what is left of its window", () => {
    const fromTracker = {
      code: "BORIS9QX",
      click_id: "clk_1",
      ts: now - DAY,
      expires: now + 10 * DAY,
      model: "first" as const,
    };
    const setCookie = attributionCookie(
      { url: "https://acme.example/pricing", cookie: trackerCookie(fromTracker) },
      {},
      now,
    )!;
    expect(setCookie).toContain("Max-Age=864000");
    expect(parse(setCookie)).toEqual({ ...fromTracker, set_by: "server" });
    expect(
      attributionCookie({ url: "https://acme.example/pricing", cookie: sentBack(setCookie) }, {}, now),
    ).toBeUndefined();
  });

  test("nothing for a page without a code and without a referral, or with a cookie that is not one", () => {
    expect(attributionCookie({ url: "https://acme.example/" }, {}, now)).toBeUndefined();
    expect(
      attributionCookie({ url: "https://acme.example/", cookie: "vouch_ref=%7Bnot-json" }, {}, now),
    ).toBeUndefined();
    expect(readReferral("vouch_ref=%7B%22code%22%3A1%7D", now)).toBeUndefined();
  });

  test("the cookie's shape is the tracker's", () => {
    expectTypeOf<StoredReferral>().toEqualTypeOf<TrackerReferral>();
  });

  test("serializeReferral writes what the tracker's cookie parser reads", () => {
    const referral = { code: "ANNA7K2M", ts: now, expires: now + DAY, set_by: "server" as const };
    const header = sentBack(serializeReferral(referral, 86_400));
    // The tracker's own expression (packages/tracker/src/storage.ts).
    const raw = /(^|; )vouch_ref=([^;]+)/.exec(`other=1; ${header}`)?.[2];
    expect(JSON.parse(decodeURIComponent(raw!))).toEqual(referral);
  });
});
