/**
 * widget.js and the tracker (vouch*.js) on one page: both claim `window.vouch`. Whichever loads second
 * wraps the first, and calls queued before either loaded reach the script that owns them. The tracker is
 * compiled from its source exactly as its build does (one variant per flag set); the widget loader runs
 * from source. Both see the same `document.currentScript` trick a real `<script async>` tag gives them.
 */
import path from "node:path";
import { build } from "esbuild";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { meResponse } from "./fixtures";

const API = "http://api.test";
const identity = { member: { id: "user_1001" }, signature: "a".repeat(64) };
const trackerEntry = path.join(import.meta.dirname, "../../../tracker/src/script.ts");

/** The tracker's script-tag builds this test needs: the lead variant (the common case) and the base. */
const trackers: Record<string, string> = {};
beforeAll(async () => {
  for (const [file, lead] of [
    ["vouch.lead.js", true],
    ["vouch.js", false],
  ] as const) {
    const out = await build({
      entryPoints: [trackerEntry],
      bundle: true,
      write: false,
      format: "iife",
      target: "es2020",
      tsconfigRaw: {},
      logLevel: "warning",
      define: { __LEAD__: String(lead), __CONSENT__: "false", __GREETING__: "false" },
    });
    trackers[file] = out.outputFiles[0]!.text;
  }
});

let posts: { path: string; body: Record<string, unknown> }[];
const paths = () => posts.map((p) => p.path);

beforeEach(() => {
  posts = [];
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    "http://www.ledgerly.example/pricing?via=ANNA7K2M",
  );
  localStorage.clear();
  // biome-ignore lint/suspicious/noDocumentCookie: clearing the tracker's cookie between tests, as a page would.
  document.cookie = "vouch_ref=;path=/;max-age=0";
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const { pathname } = new URL(url);
    posts.push({ path: pathname, body: JSON.parse(String(init.body)) });
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (pathname === "/v1/members/me") return json(200, meResponse());
    if (pathname === "/v1/track/visit") {
      return json(201, {
        click_id: "clk_0000000000000001",
        code: "ANNA7K2M",
        attribution: { model: "first", window_days: 90 },
        expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString(),
      });
    }
    return json(201, { referral: { id: "ref_1" }, duplicate: false });
  });
  // The documented snippet: a stub that queues on whatever `window.vouch` is when it is called.
  window.vouch ||= (...args: unknown[]) => {
    const current = window.vouch!;
    current.q ||= [];
    current.q.push(args);
  };
});

afterEach(async () => {
  await window.vouch?.("destroy");
  delete window.vouch;
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

/** Runs a script as if its `<script async src data-key>` tag had just loaded. */
async function load(script: "widget.js" | "vouch.js" | "vouch.lead.js"): Promise<void> {
  const tag = document.createElement("script");
  tag.src = `${API}/${script}`;
  tag.dataset.key = "vch_pk_test_unit";
  Object.defineProperty(document, "currentScript", { configurable: true, get: () => tag });
  try {
    if (script === "widget.js") {
      vi.resetModules();
      await import("../../src/loader");
    } else {
      new Function(trackers[script]!)();
    }
  } finally {
    Reflect.deleteProperty(document, "currentScript");
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe("widget.js and vouch.lead.js on one page", () => {
  for (const order of [
    ["widget.js", "vouch.lead.js"],
    ["vouch.lead.js", "widget.js"],
  ] as const) {
    it(`${order.join(" then ")}: queued and later calls each reach their own script, once`, async () => {
      window.vouch!("init", identity);
      window.vouch!("lead", { email: "first@northwind.example" });
      await load(order[0]);
      // Between the two loads: the script that is there handles its own, the stub keeps the other's.
      window.vouch!("lead", { email: "second@northwind.example" });
      await load(order[1]);
      await settle();

      expect(paths().filter((p) => p === "/v1/members/me")).toHaveLength(1);
      expect(paths().filter((p) => p === "/v1/track/visit")).toHaveLength(1);
      const leads = posts.filter((p) => p.path === "/v1/track/lead");
      expect(leads.map((p) => [p.body.email, p.body.code])).toEqual([
        ["first@northwind.example", "ANNA7K2M"],
        ["second@northwind.example", "ANNA7K2M"],
      ]);

      // Both loaded: each command still reaches its owner, through whichever function is on top.
      posts = [];
      window.vouch!("lead", { email: "third@northwind.example" });
      window.vouch!("init", { ...identity, member: { id: "user_1002" } });
      await settle();
      expect(paths().sort()).toEqual(["/v1/members/me", "/v1/track/lead"]);
      expect(window.vouch).toHaveProperty("loaded", true);
      expect(window.vouch).toHaveProperty("tracker", 1);

      // A second copy of either tag changes nothing.
      const top = window.vouch;
      await load("widget.js");
      await load("vouch.lead.js");
      expect(window.vouch).toBe(top);
    });
  }
});

describe("widget.js and the base vouch.js on one page", () => {
  for (const order of [
    ["widget.js", "vouch.js"],
    ["vouch.js", "widget.js"],
  ] as const) {
    it(`${order.join(" then ")}: the visit is recorded and the widget's calls still reach it`, async () => {
      window.vouch!("init", identity);
      await load(order[0]);
      await load(order[1]);
      await settle();
      expect(paths().sort()).toEqual(["/v1/members/me", "/v1/track/visit"]);
      posts = [];
      window.vouch!("init", { ...identity, member: { id: "user_1002" } });
      await settle();
      expect(paths()).toEqual(["/v1/members/me"]);
    });
  }
});
