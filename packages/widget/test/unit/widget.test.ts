import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiClient } from "../../src/api";
import { textColorOn } from "../../src/dom";
import * as panelModule from "../../src/panel/mount";
import { createWidget, type VouchCommand } from "../../src/widget";
import { meResponse } from "./fixtures";

const API = "http://api.test";
const KEY = "vch_pk_test_unit";
const identity = { member: { id: "user_1001" }, signature: "a".repeat(64) };

let requests: { url: string; body: unknown; contentType: string | null }[];
let reply: () => Response;
let vouch: VouchCommand;
let panelLoads: number;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

beforeEach(() => {
  requests = [];
  panelLoads = 0;
  reply = () => json(200, meResponse());
  // The fetch boundary is the only stand-in here; test/browser drives the real API.
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    requests.push({
      url,
      body: JSON.parse(String(init.body)),
      contentType: new Headers(init.headers).get("content-type"),
    });
    return reply();
  });
  vouch = createWidget({
    defaults: { key: KEY, api: API },
    loadPanel: async () => {
      panelLoads++;
      return panelModule;
    },
  });
});

afterEach(async () => {
  await vouch("destroy");
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

const callouts = () => Array.from(document.querySelectorAll("vouch-callout")) as HTMLElement[];
const calloutButton = (host: Element) => host.shadowRoot?.querySelector("button") as HTMLButtonElement;
const panelDialog = () => document.querySelector("vouch-panel")?.shadowRoot?.querySelector('[role="dialog"]');
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe("widget", () => {
  it("enrols with a text/plain simple request and renders the callout in the placeholder", async () => {
    document.body.innerHTML = "<aside><div data-vouch-callout></div></aside>";
    await vouch("init", identity);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(`${API}/v1/members/me?key=${KEY}`);
    expect(requests[0]?.contentType).toBe("text/plain");
    expect(requests[0]?.body).toEqual(identity);
    const [host] = callouts();
    expect(host?.parentElement?.hasAttribute("data-vouch-callout")).toBe(true);
    expect(host?.shadowRoot?.textContent).toContain("Give $100, get $100.");
    expect(calloutButton(host!).textContent).toBe("Refer & earn");
    expect(host?.style.getPropertyValue("--vouch-program-brand")).toBe("#0f766e");
    expect(document.querySelector("vouch-callout[mode=launcher]")).toBeNull();
  });

  it("passes a signed timestamp on with the signature", async () => {
    const timed = { ...identity, timestamp: 1_790_000_000 };
    await vouch("init", timed);
    expect(requests[0]?.body).toEqual(timed);
  });

  it("shows a floating launcher when the page has no placeholder", async () => {
    await vouch("init", identity);
    const [host] = callouts();
    expect(host?.getAttribute("mode")).toBe("launcher");
    expect(host?.parentElement).toBe(document.body);
    expect(calloutButton(host!).getAttribute("aria-label")).toContain("Give $100, get $100.");
  });

  it("follows placeholders an SPA adds later and drops the launcher", async () => {
    await vouch("init", identity);
    expect(callouts()[0]?.getAttribute("mode")).toBe("launcher");
    const view = document.createElement("div");
    view.innerHTML = "<div data-vouch-callout></div>";
    document.body.append(view);
    await settle();
    expect(callouts().map((c) => c.getAttribute("mode"))).toEqual(["inline"]);
  });

  it("shows an ineligible member no callout and no launcher, even in placeholders added later; open still works", async () => {
    reply = () => json(200, meResponse({ eligible: false }));
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", identity);
    const view = document.createElement("div");
    view.innerHTML = "<div data-vouch-callout></div>";
    document.body.append(view);
    await settle();
    expect(callouts()).toEqual([]);
    await vouch("open");
    expect(panelDialog()).not.toBeNull();
  });

  it("is safe to init twice: same member re-uses the session, a new member replaces it", async () => {
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", identity);
    await vouch("init", identity);
    expect(requests).toHaveLength(1);
    expect(callouts()).toHaveLength(1);
    await vouch("init", { member: { id: "user_2002" }, signature: "b".repeat(64) });
    expect(requests).toHaveLength(2);
    expect(callouts()).toHaveLength(1);
  });

  it("opens the panel from the callout, closes on Escape and returns focus", async () => {
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", identity);
    const button = calloutButton(callouts()[0]!);
    expect(panelLoads).toBe(0); // the panel chunk is lazy…
    button.focus();
    expect(panelLoads).toBe(1); // …and starts loading as focus (or the pointer) arrives
    button.click();
    await vi.waitFor(() => expect(panelDialog()).toBeTruthy());
    panelDialog()!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.querySelector("vouch-panel")).toBeNull();
    expect(callouts()[0]?.shadowRoot?.activeElement).toBe(button);
  });

  it("open waits for a pending init; a second open while opening shows one panel", async () => {
    const pending = vouch("init", identity);
    await Promise.all([vouch("open"), vouch("open"), pending]);
    expect(document.querySelectorAll("vouch-panel")).toHaveLength(1);
  });

  it("destroy removes every node it added", async () => {
    document.body.innerHTML = "<main><div data-vouch-callout></div></main>";
    const before = document.body.innerHTML;
    await vouch("init", identity);
    await vouch("open");
    expect(document.querySelector("vouch-panel")).not.toBeNull();
    await vouch("destroy");
    expect(document.body.innerHTML).toBe(before);
  });

  it("a refused signature is one console warning and no UI, never a throw", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    reply = () =>
      json(401, {
        error: { code: "invalid_signature", message: "The identity signature does not match this member id." },
      });
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await expect(vouch("init", identity)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      "[vouch] invalid_signature: The identity signature does not match this member id.",
    );
    expect(callouts()).toHaveLength(0);
    await vouch("open");
    expect(document.querySelector("vouch-panel")).toBeNull();
  });

  it("after enrolment failed, the same init enrols again and open works", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    reply = () => json(401, { error: { code: "invalid_signature", message: "No." } });
    await vouch("init", identity);
    expect(callouts()).toHaveLength(0);
    reply = () => json(200, meResponse());
    await vouch("init", identity);
    expect(requests).toHaveLength(2);
    expect(callouts()).toHaveLength(1);
    await vouch("open");
    expect(panelDialog()).toBeTruthy();
  });

  it("waits for <body> when the API answers before the parser reaches it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const body = document.body;
    body.remove();
    try {
      const init = vouch("init", identity);
      const open = vouch("open");
      await settle();
      expect(requests).toHaveLength(1);
      document.documentElement.append(body);
      document.dispatchEvent(new Event("DOMContentLoaded"));
      await Promise.all([init, open]);
    } finally {
      if (!body.isConnected) document.documentElement.append(body);
    }
    expect(warn).not.toHaveBeenCalled();
    expect(callouts()[0]?.getAttribute("mode")).toBe("launcher");
    expect(panelDialog()).toBeTruthy();
  });

  it("labels the launcher without a dangling period when the program has no offer text", async () => {
    reply = () => json(200, meResponse({ program: { ...meResponse().program, offer_text: "" } }));
    await vouch("init", identity);
    expect(calloutButton(callouts()[0]!).getAttribute("aria-label")).toBe("Refer & earn: open the referral panel");
  });

  it("shows just the button inline when the program has no offer (no icon on an empty line)", async () => {
    reply = () => json(200, meResponse({ program: { ...meResponse().program, offer_text: "" } }));
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", identity);
    const card = callouts()[0]?.shadowRoot?.querySelector(".card");
    expect(card?.querySelector(".offer")).toBeNull();
    expect(card?.textContent).toBe("Refer & earn");
  });

  it("warns instead of throwing on unknown commands and open before init", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await vouch("explode");
    await vouch("open");
    expect(warn.mock.calls.map((c) => String(c[0]).split(":")[0])).toEqual([
      "[vouch] unknown_command",
      "[vouch] not_initialised",
    ]);
  });

  it("ignores a brand colour that is not a hex colour", async () => {
    reply = () => json(200, meResponse({ program: { ...meResponse().program, brand_color: "red;background:url(x)" } }));
    await vouch("init", identity);
    expect(callouts()[0]?.style.getPropertyValue("--vouch-program-brand")).toBe("");
  });

  it("tells a suspended member their link is paused, in the callout and the launcher, and offers no link", async () => {
    const suspended = meResponse({ member: { ...meResponse().member, status: "suspended" }, member_token: "" });
    reply = () => json(200, suspended);
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", identity);
    const [inline] = callouts();
    const paused = "Your referral link is paused for now. Questions? Please contact the Ledgerly team.";
    expect(inline?.shadowRoot?.querySelector(".card.paused .offer")?.textContent).toBe(paused);
    expect(inline?.shadowRoot?.textContent).not.toContain("Give $100");
    expect(inline?.shadowRoot?.querySelector("svg")).toBeNull(); // no gift: nothing is on offer
    expect(calloutButton(inline!).textContent).toBe("View your referrals");

    document.body.innerHTML = "";
    await settle(); // the launcher takes the removed placeholder's place
    const launcher = calloutButton(callouts()[0]!);
    expect(launcher.getAttribute("aria-label")).toBe(`View your referrals. ${paused}`);
    expect(launcher.textContent).toBe(`View your referrals${paused}`);

    launcher.click();
    await vi.waitFor(() => expect(panelDialog()).toBeTruthy());
    const panelRoot = document.querySelector("vouch-panel")?.shadowRoot;
    expect(panelRoot?.querySelector("input, textarea, form")).toBeNull();
    expect(panelRoot?.textContent).toContain(paused);
    expect(requests.map((r) => r.url.split("?")[0])).toEqual([`${API}/v1/members/me`]); // no track/* call
  });

  it("sends no share or lead without a member token", async () => {
    const api = createApiClient(API, KEY);
    const share = await api.recordShare("", "copy");
    const lead = await api.submitLead("", { email: "x@y.example" });
    expect(share).toMatchObject({ ok: false, error: { code: "member_paused" } });
    expect(lead).toMatchObject({ ok: false, error: { code: "member_paused" } });
    expect(requests).toEqual([]);
    await api.recordShare("mt_test", "copy");
    expect(requests.map((r) => r.url)).toEqual([`${API}/v1/track/share?key=${KEY}`]);
  });

  it("says the pause in German", async () => {
    reply = () => json(200, meResponse({ member_token: "" }));
    document.body.innerHTML = "<div data-vouch-callout></div>";
    await vouch("init", { ...identity, locale: "de" });
    const host = callouts()[0]!;
    expect(host.shadowRoot?.querySelector(".offer")?.textContent).toBe(
      "Ihr Empfehlungslink ist derzeit pausiert. Fragen? Wenden Sie sich bitte an das Ledgerly-Team.",
    );
    expect(calloutButton(host).textContent).toBe("Ihre Empfehlungen ansehen");
  });

  it("translates the callout", async () => {
    await vouch("init", { ...identity, locale: "de-AT" });
    expect(calloutButton(callouts()[0]!).textContent).toContain("Empfehlen & verdienen");
  });
});

describe("textColorOn", () => {
  it("puts white on dark brands and dark text on light ones", () => {
    expect(textColorOn("#0f766e")).toBe("#ffffff");
    expect(textColorOn("#000")).toBe("#ffffff");
    expect(textColorOn("#facc15")).toBe("#111827");
    expect(textColorOn("#ffffff")).toBe("#111827");
  });
});

describe("moments", () => {
  const nudge = {
    id: "mom_1",
    moment: "support_resolved",
    message: { en: "Glad that worked out — know a team?", de: "Schön, dass es geklappt hat?" },
  };
  const nudgeCard = () => document.querySelector("vouch-nudge")?.shadowRoot?.querySelector(".nudge");
  const byUrl = (moment: unknown) => {
    reply = () => {
      const last = requests.at(-1)?.url ?? "";
      if (last.includes("/v1/track/moment")) return json(200, { nudge: moment });
      if (last.includes("/v1/track/nudge")) return json(202, { accepted: true });
      return json(200, meResponse());
    };
  };

  it("vouch('moment') shows the API's nudge without taking focus; dismissing it is counted", async () => {
    byUrl(nudge);
    const input = document.createElement("input");
    document.body.append(input);
    input.focus();
    await vouch("init", identity);
    await vouch("moment", "support_resolved");
    expect(requests[1]?.body).toEqual({ member_token: "mt_test", moment: "support_resolved" });
    expect(nudgeCard()?.textContent).toContain("Glad that worked out — know a team?");
    expect(nudgeCard()?.getAttribute("aria-live")).toBe("polite");
    expect(document.activeElement).toBe(input);
    const dismiss = nudgeCard()?.querySelector(".close") as HTMLButtonElement;
    expect(dismiss.getAttribute("aria-label")).toBe("Dismiss");
    dismiss.click();
    expect(document.querySelector("vouch-nudge")).toBeNull();
    expect(requests[2]?.body).toEqual({ member_token: "mt_test", nudge_id: "mom_1", action: "dismissed" });
  });

  it("no nudge from the API (the cooldown) shows nothing; an ineligible member's page asks nothing", async () => {
    byUrl(null);
    await vouch("init", identity);
    await vouch("moment", "renewed");
    expect(document.querySelector("vouch-nudge")).toBeNull();
    await vouch("destroy");
    reply = () => json(200, meResponse({ eligible: false }));
    await vouch("init", { ...identity, member: { id: "other" } });
    const before = requests.length;
    await vouch("moment", "renewed");
    expect(requests.length).toBe(before);
  });

  it("a nudge in the enrolment answer (a server moment) is shown; its button opens the panel and counts the click", async () => {
    reply = () =>
      requests.at(-1)?.url.includes("/v1/track/nudge")
        ? json(202, { accepted: true })
        : json(200, meResponse({ nudge }));
    await vouch("init", { ...identity, locale: "de" });
    expect(nudgeCard()?.textContent).toContain("Schön, dass es geklappt hat?");
    (nudgeCard()!.querySelector(".cta") as HTMLButtonElement).click();
    await settle();
    expect(panelDialog()).not.toBeNull();
    expect(requests.at(-1)?.body).toEqual({ member_token: "mt_test", nudge_id: "mom_1", action: "clicked" });
  });
});
