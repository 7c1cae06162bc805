// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from "vitest";
import { QUEUE_KEY, QUEUE_LIMIT } from "../../src/storage";
import { createTracker } from "../../src/tracker";
import { cookieReferral, eventually, settle, storedReferral, useFakeApi } from "./fake-api";

const api = useFakeApi();
const KEY = "vch_pk_test_unit";
/** One call is one page view: the tracker boots from the current URL and storage. */
const pageView = (href: string, config: Partial<Parameters<typeof createTracker>[0]> = {}) => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(href);
  return createTracker({ key: KEY, api: `${api.url}/`, ...config });
};
const visits = () => api.deliveries.filter((d) => d.path === "visit");
const queued = () => JSON.parse(localStorage.getItem(QUEUE_KEY) ?? "[]") as [string, Record<string, unknown>][];

beforeEach(() => {
  api.model = "first";
  api.windowDays = 90;
  api.down = false;
  api.garbage = false;
  api.clicks = 0;
});

describe("a referral visit", () => {
  test("posts the visit with the key, keeps the referral in the cookie and localStorage, and cleans the URL", async () => {
    // biome-ignore lint/suspicious/noDocumentCookie: the test plays the host page, which writes cookies this way.
    document.cookie = "unrelated=1;path=/";
    pageView("http://www.ledgerly.example/pricing?via=anna7k2m&vsrc=linkedin&utm_source=li&plan=team#top");
    await eventually(() => expect(storedReferral()?.click_id).toBe("clk_0000000000000001"));
    await eventually(() =>
      expect(location.href).toBe("http://www.ledgerly.example/pricing?utm_source=li&plan=team#top"),
    );
    expect(visits()).toEqual([
      {
        path: "visit",
        key: KEY,
        body: {
          code: "anna7k2m",
          sub_source: "linkedin",
          utm_source: "li",
          landing_url: "http://www.ledgerly.example/pricing?utm_source=li&plan=team#top",
          referrer: "",
        },
      },
    ]);
    const referral = cookieReferral();
    expect(referral).toEqual(storedReferral());
    expect(referral).toMatchObject({ code: "ANNA7K2M", click_id: "clk_0000000000000001" });
    const expires = referral?.expires as number;
    expect(Math.abs(expires - (Date.now() + 90 * 86_400_000))).toBeLessThan(5000);
  });

  test("a page without a code posts nothing and leaves the URL alone", async () => {
    pageView("http://www.ledgerly.example/?ref=producthunt&x=1", { params: ["via"] });
    await settle();
    expect(api.deliveries).toEqual([]);
    expect(location.href).toBe("http://www.ledgerly.example/?ref=producthunt&x=1");
  });

  test("an unknown code is not kept, not retried, and stays in the URL (`?ref=` is other tools' too)", async () => {
    pageView("http://www.ledgerly.example/?ref=producthunt");
    await eventually(() => expect(visits()).toHaveLength(1));
    await settle();
    expect(storedReferral()).toBeUndefined();
    expect(queued()).toEqual([]);
    expect(location.href).toBe("http://www.ledgerly.example/?ref=producthunt");
  });

  test("an SPA that moved on before the API answered keeps its new URL", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    history.pushState({ route: "signup" }, "", "/signup");
    await eventually(() => expect(storedReferral()?.code).toBe("ANNA7K2M"));
    await settle();
    expect(location.href).toBe("http://www.ledgerly.example/signup");
    expect(history.state).toEqual({ route: "signup" });
  });

  test("first click: a later link from another member does not take the referral", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()?.code).toBe("ANNA7K2M"));
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(visits()).toHaveLength(2));
    await settle();
    expect(storedReferral()).toMatchObject({ code: "ANNA7K2M", click_id: "clk_0000000000000001" });
  });

  test("last click: the newest link takes the referral", async () => {
    api.model = "last";
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()?.code).toBe("ANNA7K2M"));
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(cookieReferral()?.code).toBe("BORIS9QX"));
    expect(storedReferral()?.click_id).toBe(cookieReferral()?.click_id);
  });

  test("an expired referral is dropped: first click gives way, and a lead no longer carries it", async () => {
    const old = { code: "ANNA7K2M", click_id: "clk_0000000000000009", ts: 1, expires: Date.now() - 1000 };
    localStorage.setItem("vouch_ref", encodeURIComponent(JSON.stringify(old)));
    const vouch = pageView("http://www.ledgerly.example/signup");
    vouch("lead", { email: "dana@northwind.example" });
    await settle();
    expect(api.deliveries).toEqual([]);
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(storedReferral()?.code).toBe("BORIS9QX"));
  });
});

describe("delivery", () => {
  test("a post that fails is queued and delivered once on the next page view", async () => {
    api.down = true;
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(queued()).toHaveLength(1));
    expect(storedReferral()).toBeUndefined();
    api.down = false;
    api.deliveries.length = 0;
    pageView("http://www.ledgerly.example/features");
    await eventually(() => expect(storedReferral()?.click_id).toBe("clk_0000000000000001"));
    pageView("http://www.ledgerly.example/pricing");
    await settle();
    expect(visits().map((d) => d.body.code)).toEqual(["ANNA7K2M"]);
    expect(queued()).toEqual([]);
  });

  test(`the queue keeps only the newest ${QUEUE_LIMIT} posts`, async () => {
    api.down = true;
    const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(api.deliveries).toEqual([]));
    for (let i = 0; i < QUEUE_LIMIT + 5; i++) vouch("lead", { email: `lead${i}@acme.example`, code: "ANNA7K2M" });
    await settle(300);
    expect(queued()).toHaveLength(QUEUE_LIMIT);
    expect(queued().at(-1)?.[1].email).toBe(`lead${QUEUE_LIMIT + 4}@acme.example`);
  });

  test("an answer that is not the contract is ignored quietly (no unhandled rejection)", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()?.click_id).toBe("clk_0000000000000001"));
    api.garbage = true;
    pageView("http://www.ledgerly.example/?via=BORIS9QX");
    await eventually(() => expect(visits()).toHaveLength(2));
    await settle();
    expect(storedReferral()?.click_id).toBe("clk_0000000000000001");
    expect(queued()).toEqual([]);
  });

  test("broken storage and a broken network never throw into the page", async () => {
    localStorage.setItem(QUEUE_KEY, "{not json");
    // biome-ignore lint/suspicious/noDocumentCookie: the test plays the host page, which writes cookies this way.
    document.cookie = "vouch_ref=%7Bbroken;path=/";
    const vouch = createTracker({ key: KEY, api: "http://127.0.0.1:9" });
    expect(() => vouch("lead", { email: "x@y.example", code: "ANNA7K2M" })).not.toThrow();
    expect(() => vouch("unknown-command", 42)).not.toThrow();
    await settle();
  });
});

describe("leads", () => {
  test("a lead carries the stored click id and code", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()?.click_id).toBeDefined());
    const vouch = pageView("http://www.ledgerly.example/signup");
    vouch("lead", { email: "dana@northwind.example", name: "Dana Scully", company: "Northwind", size: "51-200" });
    await eventually(() => expect(api.deliveries.filter((d) => d.path === "lead")).toHaveLength(1));
    expect(api.deliveries.at(-1)?.body).toEqual({
      email: "dana@northwind.example",
      name: "Dana Scully",
      company: "Northwind",
      size: "51-200",
      code: "ANNA7K2M",
      click_id: "clk_0000000000000001",
    });
    await eventually(() => expect(queued()).toEqual([]));
  });

  test("a typed code beats the stored referral and goes without its click id", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()?.click_id).toBeDefined());
    const vouch = pageView("http://www.ledgerly.example/signup");
    vouch("lead", { email: "dana@northwind.example", code: " boris9qx " });
    await eventually(() =>
      expect(api.deliveries.at(-1)?.body).toEqual({ email: "dana@northwind.example", code: "BORIS9QX" }),
    );
  });

  test("only the lead fields go, whatever else the page's object carries", async () => {
    const vouch = pageView("http://www.ledgerly.example/signup");
    vouch("lead", {
      email: " dana@northwind.example ",
      name: "Dana",
      code: "anna7k2m",
      password: "hunter2",
      card: "4242 4242 4242 4242",
    } as never);
    await eventually(() => expect(api.deliveries).toHaveLength(1));
    expect(api.deliveries[0]?.body).toEqual({ email: "dana@northwind.example", name: "Dana", code: "ANNA7K2M" });
  });

  test("last click: a sign-up right after a new link goes to that link, not to the previous referrer", async () => {
    api.model = "last";
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()).toMatchObject({ code: "ANNA7K2M", model: "last" }));
    document.body.innerHTML = '<form data-vouch-lead><input name="email"></form>';
    const clickIdInput = () => document.querySelector<HTMLInputElement>("input[name=vouch_click_id]");

    const vouch = pageView("http://www.ledgerly.example/?via=boris9qx");
    // Before the visit's answer: no stored click id of ANNA's in the form or the lead.
    expect(clickIdInput()).toBeNull();
    vouch("lead", { email: "dana@northwind.example" });
    expect(api.deliveries.filter((d) => d.path === "lead")).toEqual([]);
    await eventually(() => expect(api.deliveries.filter((d) => d.path === "lead")).toHaveLength(1));
    expect(api.deliveries.find((d) => d.path === "lead")?.body).toEqual({
      email: "dana@northwind.example",
      code: "BORIS9QX",
    });

    // Once the answer replaced the stored referral, the new click id goes along.
    await eventually(() => expect(storedReferral()?.code).toBe("BORIS9QX"));
    expect(clickIdInput()?.value).toBe("clk_0000000000000002");
    vouch("lead", { email: "eve@northwind.example" });
    await eventually(() =>
      expect(api.deliveries.at(-1)?.body).toEqual({
        email: "eve@northwind.example",
        code: "BORIS9QX",
        click_id: "clk_0000000000000002",
      }),
    );
  });

  test("first click: a new link does not take a sign-up from the stored referral", async () => {
    pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(storedReferral()).toMatchObject({ code: "ANNA7K2M", model: "first" }));
    pageView("http://www.ledgerly.example/?via=BORIS9QX")("lead", { email: "dana@northwind.example" });
    await eventually(() => expect(api.deliveries.filter((d) => d.path === "lead")).toHaveLength(1));
    expect(api.deliveries.find((d) => d.path === "lead")?.body).toEqual({
      email: "dana@northwind.example",
      code: "ANNA7K2M",
      click_id: "clk_0000000000000001",
    });
  });

  test("a code the API refused for good (`?ref=producthunt`): later sign-ups on the page are not sent", async () => {
    const vouch = pageView("http://www.ledgerly.example/?ref=producthunt");
    await eventually(() => expect(visits()).toHaveLength(1));
    await settle();
    vouch("lead", { email: "dana@northwind.example" });
    await settle();
    expect(api.deliveries.filter((d) => d.path === "lead")).toEqual([]);
    expect(queued()).toEqual([]);
  });

  test("a visit that is only queued (API down) still lets this page's code attribute a sign-up", async () => {
    api.down = true;
    const vouch = pageView("http://www.ledgerly.example/?via=ANNA7K2M");
    await eventually(() => expect(queued()).toHaveLength(1));
    vouch("lead", { email: "dana@northwind.example" });
    await eventually(() => expect(queued()).toHaveLength(2));
    expect(queued()[1]).toEqual(["lead", { email: "dana@northwind.example", code: "ANNA7K2M" }]);
    await settle(); // the lead's own failure lands here, not in the next test's storage
  });

  test("no referral or no email: nothing is sent", async () => {
    const vouch = pageView("http://www.ledgerly.example/signup");
    vouch("lead", { email: "dana@northwind.example" });
    vouch("lead", { code: "ANNA7K2M" } as never);
    await settle();
    expect(api.deliveries).toEqual([]);
  });
});
