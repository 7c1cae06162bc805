// @vitest-environment happy-dom
/**
 * A `vouch_ref` cookie set by the vendor's own server (`@vouch/node`'s attribution middleware, with
 * `Set-Cookie`). Safari caps cookies written by script to 7 days, so the tracker must never rewrite it.
 * Runs once per build (vitest.config.ts): only the lead build without the consent gate keeps the click id.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createTracker } from "../../src/tracker";
import { cookieReferral, eventually, settle, storedReferral, useFakeApi } from "./fake-api";

const api = useFakeApi();
const DAY = 86_400_000;
const keepsClickId = __LEAD__ && !__CONSENT__;

const pageView = (href: string) => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(href);
  return createTracker({ key: "vch_pk_test_unit", api: api.url });
};
const visits = () => api.deliveries.filter((d) => d.path === "visit");
const leads = () => api.deliveries.filter((d) => d.path === "lead").map((d) => d.body);

/** What the middleware sends: URL-encoded JSON without a click id, marked as the server's. */
function setServerCookie(code: string) {
  const referral = { code, ts: Date.now() - 5000, expires: Date.now() + 90 * DAY, set_by: "server" };
  // biome-ignore lint/suspicious/noDocumentCookie: the test plays the browser storing the server's Set-Cookie.
  document.cookie = `vouch_ref=${encodeURIComponent(JSON.stringify(referral))};path=/;max-age=${90 * 86_400}`;
  scriptWrites.length = 0; // the browser stored it, not a script
  return referral;
}

/** Every `vouch_ref` the page's scripts write through `document.cookie` from now on. */
const scriptWrites: string[] = [];
beforeEach(() => {
  api.model = "first";
  api.clicks = 0;
  scriptWrites.length = 0;
  let proto = Object.getPrototypeOf(document);
  while (proto && !Object.getOwnPropertyDescriptor(proto, "cookie")) proto = Object.getPrototypeOf(proto);
  const native = Object.getOwnPropertyDescriptor(proto, "cookie")!;
  Object.defineProperty(document, "cookie", {
    configurable: true,
    get: () => native.get!.call(document),
    set: (value: string) => {
      if (value.startsWith("vouch_ref=")) scriptWrites.push(value);
      native.set!.call(document, value);
    },
  });
});
afterEach(() => {
  delete (document as { cookie?: string }).cookie;
});

describe("a referral the vendor's server set", () => {
  for (const model of ["first", "last"] as const) {
    test(`${model} click: the visit for its code leaves the cookie alone${keepsClickId ? " and keeps the click id in localStorage" : ""}`, async () => {
      api.model = model;
      const fromServer = setServerCookie("ANNA7K2M");
      pageView("http://www.ledgerly.example/?via=anna7k2m");
      await eventually(() => expect(visits()).toHaveLength(1));
      await settle();
      expect(visits()[0]?.body.code).toBe("anna7k2m");
      expect(scriptWrites).toEqual([]);
      expect(cookieReferral()).toEqual(fromServer);
      if (keepsClickId) expect(storedReferral()).toEqual({ ...fromServer, click_id: "clk_0000000000000001" });
      else expect(storedReferral()).toBeUndefined();
      // The API recognised the code: the address bar is cleaned as usual.
      expect(location.href).toBe("http://www.ledgerly.example/");
    });
  }

  if (__LEAD__) {
    test("a sign-up on a later page names the server's code, with the click id where kept", async () => {
      setServerCookie("ANNA7K2M");
      pageView("http://www.ledgerly.example/?via=ANNA7K2M");
      await eventually(() => expect(visits()).toHaveLength(1));
      await settle();
      const vouch = pageView("http://www.ledgerly.example/signup");
      vouch("lead", { email: "dana@northwind.example" });
      await eventually(() => expect(leads()).toHaveLength(1));
      expect(leads()[0]).toEqual({
        email: "dana@northwind.example",
        code: "ANNA7K2M",
        ...(keepsClickId ? { click_id: "clk_0000000000000001" } : {}),
      });
      expect(scriptWrites).toEqual([]);
    });
  } else {
    test("the visits-only build sends no lead, whatever the page asks", async () => {
      setServerCookie("ANNA7K2M");
      pageView("http://www.ledgerly.example/?via=ANNA7K2M");
      await eventually(() => expect(visits()).toHaveLength(1));
      const vouch = pageView("http://www.ledgerly.example/signup");
      vouch("lead", { email: "dana@northwind.example" });
      await settle();
      expect(leads()).toEqual([]);
      expect(scriptWrites).toEqual([]);
    });
  }

  test("first click: another member's link later leaves it alone", async () => {
    const fromServer = setServerCookie("ANNA7K2M");
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(visits()).toHaveLength(1));
    await settle();
    expect(cookieReferral()).toEqual(fromServer);
    expect(scriptWrites).toEqual([]);
  });

  test("last click: another member's link takes over, written by the tracker as usual", async () => {
    api.model = "last";
    setServerCookie("ANNA7K2M");
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(cookieReferral()?.code).toBe("BORIS9QX"));
    expect(cookieReferral()).toMatchObject({ click_id: "clk_0000000000000001", model: "last" });
    expect(cookieReferral()?.set_by).toBeUndefined();
    expect(scriptWrites).toHaveLength(1);
  });
});
