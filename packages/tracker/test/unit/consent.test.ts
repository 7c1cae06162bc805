// @vitest-environment happy-dom
import { describe, expect, test } from "vitest";
import { QUEUE_KEY } from "../../src/storage";
import { createTracker } from "../../src/tracker";
import { cookieReferral, eventually, settle, storedReferral, useFakeApi } from "./fake-api";

const api = useFakeApi();
const pageView = (href: string) => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(href);
  return createTracker({ key: "vch_pk_test_unit", api: api.url, consent: "required" });
};

describe('data-consent="required"', () => {
  test("nothing is written or sent before consent, the code is kept in memory meanwhile", async () => {
    const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M&vsrc=podcast");
    vouch("lead", { email: "dana@northwind.example", name: "Dana" });
    await settle();
    expect(api.deliveries).toEqual([]);
    expect(document.cookie).toBe("");
    expect(localStorage.length).toBe(0);
    expect(location.search).toBe("?via=ANNA7K2M&vsrc=podcast");

    vouch("consent", true);
    await eventually(() => expect(api.deliveries.map((d) => d.path)).toEqual(["visit", "lead"]));
    expect(api.deliveries[0]?.body).toMatchObject({ code: "ANNA7K2M", sub_source: "podcast" });
    // The lead waited for consent too, and still knew the code from this page's URL.
    expect(api.deliveries[1]?.body).toMatchObject({ email: "dana@northwind.example", code: "ANNA7K2M" });
    await eventually(() => expect(cookieReferral()?.code).toBe("ANNA7K2M"));
    await eventually(() => expect(location.search).toBe(""));
  });

  test("denied: everything waiting is forgotten and nothing is ever sent", async () => {
    const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    vouch("consent", false);
    vouch("consent", false);
    vouch("lead", { email: "dana@northwind.example" });
    await settle();
    expect(api.deliveries).toEqual([]);
    expect(localStorage.length).toBe(0);
  });

  test("a stored referral means consent was given earlier; withdrawing clears the cookie, storage and queue", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M")("consent", true);
    await eventually(() => expect(storedReferral()?.click_id).toBeDefined());
    localStorage.setItem(QUEUE_KEY, JSON.stringify([["lead", { email: "x@y.example", code: "ANNA7K2M" }]]));
    api.deliveries.length = 0;

    const vouch = pageView("http://www.ledgerly.example/signup");
    await eventually(() => expect(api.deliveries.map((d) => d.path)).toEqual(["lead"]));
    document.body.innerHTML = '<form data-vouch-lead><input name="vouch_click_id" value="clk_x"></form>';

    vouch("consent", false);
    expect(cookieReferral()).toBeUndefined();
    expect(storedReferral()).toBeUndefined();
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
    expect(document.querySelector("input[name=vouch_click_id]")).toBeNull();
  });

  test("withdrawn while the visit is in flight: its answer stores nothing, so the next page has no implied consent", async () => {
    const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    vouch("consent", true);
    vouch("consent", false); // before the API has answered
    await eventually(() => expect(api.deliveries).toHaveLength(1));
    await settle();
    expect(cookieReferral()).toBeUndefined();
    expect(storedReferral()).toBeUndefined();
    expect(localStorage.length).toBe(0);

    pageView("http://www.ledgerly.example/?via=BORIS9QX")("lead", { email: "dana@northwind.example" });
    await settle();
    expect(api.deliveries).toHaveLength(1);
  });

  test("withdrawn while a post is in flight that then fails: nothing is queued for the next page", async () => {
    api.down = true;
    try {
      const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M");
      vouch("consent", true);
      vouch("lead", { email: "dana@northwind.example" });
      vouch("consent", false);
      await settle(300); // both posts fail (503) after the withdrawal
      expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
      expect(localStorage.length).toBe(0);
    } finally {
      api.down = false;
    }
  });
});
