// @vitest-environment happy-dom
import { expect, test } from "vitest";
import { bootFromScriptTag, type QueueStub } from "../../src/boot";
import { eventually, settle, storedReferral, useFakeApi } from "./fake-api";

const api = useFakeApi();

function scriptTag(attributes: Record<string, string>): HTMLScriptElement {
  const script = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  return script;
}

/** The documented snippet, as a page would run it before the script has loaded. */
function queueStub(): QueueStub {
  const stub: QueueStub = (...args) => {
    stub.q = stub.q ?? [];
    stub.q.push(args as [string, unknown]);
  };
  return stub;
}

test("calls made before the script loaded are replayed in order, then vouch() is the real thing", async () => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    "http://www.ledgerly.example/?partner=anna7k2m",
  );
  const host: { vouch?: QueueStub } = { vouch: queueStub() };
  host.vouch!("consent", true);
  host.vouch!("lead", { email: "first@northwind.example" });
  host.vouch!("lead", { email: "second@northwind.example" });
  bootFromScriptTag(
    scriptTag({
      src: `${api.url}/vouch.js`,
      "data-key": "vch_pk_test_boot",
      "data-params": "ref, partner",
      "data-consent": "required",
    }),
    host,
  );
  expect(host.vouch?.tracker).toBe(1);
  // The early calls stay queued on the new function, for the widget to replay those it owns if it loads
  // later; the tracker replayed its own exactly once (three deliveries below, no more).
  expect(host.vouch?.q?.map(([command]) => command)).toEqual(["consent", "lead", "lead"]);
  await eventually(() => expect(api.deliveries).toHaveLength(3));
  // data-api defaults to the script's own origin; data-params is honoured.
  expect(api.deliveries.map((d) => [d.path, d.key, d.body.email ?? d.body.code])).toEqual([
    ["visit", "vch_pk_test_boot", "anna7k2m"],
    ["lead", "vch_pk_test_boot", "first@northwind.example"],
    ["lead", "vch_pk_test_boot", "second@northwind.example"],
  ]);
  await eventually(() => expect(storedReferral()?.code).toBe("ANNA7K2M"));
});

test("a second copy of the tag does nothing; a tag without a key does nothing", async () => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    "http://www.ledgerly.example/?via=ANNA7K2M",
  );
  const host: { vouch?: QueueStub } = {};
  bootFromScriptTag(scriptTag({ src: "https://cdn.example/vouch.js" }), host);
  expect(host.vouch).toBeUndefined();
  bootFromScriptTag(scriptTag({ src: "https://cdn.example/vouch.js", "data-key": "k", "data-api": api.url }), host);
  const first = host.vouch;
  bootFromScriptTag(scriptTag({ src: "https://cdn.example/vouch.js", "data-key": "k", "data-api": api.url }), host);
  expect(host.vouch).toBe(first);
  await eventually(() => expect(api.deliveries).toHaveLength(1));
  await settle();
  expect(api.deliveries).toHaveLength(1);
});

test("a missing or odd script element never throws", () => {
  expect(() => bootFromScriptTag(null, {})).not.toThrow();
  expect(() => bootFromScriptTag(scriptTag({ "data-key": "k", src: "not a url" }), {})).not.toThrow();
});

test("`data-params` with stray separators has no empty name in it", async () => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    "http://www.ledgerly.example/?=NOPE&via=ANNA7K2M",
  );
  bootFromScriptTag(scriptTag({ src: `${api.url}/vouch.js`, "data-key": "k", "data-params": " via," }), {});
  await eventually(() => expect(api.deliveries).toHaveLength(1));
  expect(api.deliveries[0]?.body.code).toBe("ANNA7K2M");
});

test("window.vouch is shared: the tracker handles its commands and passes every call on to the previous function", async () => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL("http://www.ledgerly.example/");
  localStorage.setItem(
    "vouch_ref",
    encodeURIComponent(
      JSON.stringify({ code: "ANNA7K2M", click_id: "clk_0000000000000001", ts: 1, expires: Date.now() + 9e6 }),
    ),
  );
  const widgetCalls: unknown[][] = [];
  // Another Vouch script (the widget) that loaded first, with its own flag.
  const widget: QueueStub = Object.assign((...args: unknown[]) => void widgetCalls.push(args), { loaded: true });
  const host: { vouch?: QueueStub } = { vouch: widget };
  bootFromScriptTag(scriptTag({ src: `${api.url}/vouch.js`, "data-key": "k" }), host);
  expect(host.vouch).not.toBe(widget);
  expect({ ...host.vouch }).toEqual({ tracker: 1, loaded: true });
  host.vouch!("open");
  host.vouch!("lead", { email: "dana@northwind.example" });
  expect(widgetCalls).toEqual([
    ["open", undefined],
    ["lead", { email: "dana@northwind.example" }],
  ]);
  await eventually(() => expect(api.deliveries.map((d) => [d.path, d.body.code])).toEqual([["lead", "ANNA7K2M"]]));
  // A second tracker tag leaves it alone.
  const wrapped = host.vouch;
  bootFromScriptTag(scriptTag({ src: `${api.url}/vouch.js`, "data-key": "k" }), host);
  expect(host.vouch).toBe(wrapped);
});
