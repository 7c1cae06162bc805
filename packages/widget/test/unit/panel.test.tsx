import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mountPanel } from "../../src/panel/mount";
import { Panel } from "../../src/panel/Panel";
import { formatMoney } from "../../src/panel/rewards";
import { format } from "../../src/panel/strings";
import type { ApiClient, MeResponse } from "../../src/types";
import { acceptedLead, apiError, meResponse, recordingApi, rewardsView } from "./fixtures";

afterEach(cleanup);

function renderPanel(
  opts: { data?: MeResponse; api?: ApiClient; locale?: string; strings?: Record<string, string> } = {},
) {
  const onClose = vi.fn();
  const onDataChange = vi.fn();
  const recorder = recordingApi();
  const api = opts.api ?? recorder.api;
  const view = render(
    <Panel
      data={opts.data ?? meResponse()}
      api={api}
      locale={opts.locale ?? "en"}
      strings={opts.strings ?? {}}
      onClose={onClose}
      onDataChange={onDataChange}
    />,
  );
  return { ...view, onClose, onDataChange, shares: recorder.shares, leads: recorder.leads };
}

describe("Panel", () => {
  it("is a labelled modal dialog showing the offer, link and code, and takes focus", () => {
    renderPanel();
    const dialog = screen.getByRole("dialog", { name: "Refer a peer to Ledgerly" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(within(dialog).getByText("Give $100, get $100.")).toBeTruthy();
    expect((screen.getByLabelText("Your referral link") as HTMLInputElement).value).toBe(
      "http://localhost:4000/?via=DANA42",
    );
    expect((screen.getByLabelText("Your referral code") as HTMLInputElement).value).toBe("DANA42");
    expect(document.activeElement).toBe(dialog);
  });

  it("copies the link, says Copied, and records a copy share", async () => {
    const { shares } = renderPanel();
    fireEvent.click(screen.getByRole("button", { name: "Copy link" }));
    await screen.findByRole("button", { name: "✓ Copied" });
    expect(await navigator.clipboard.readText()).toBe("http://localhost:4000/?via=DANA42");
    expect(screen.getByText("Copied to the clipboard")).toBeTruthy();
    expect(shares).toEqual(["copy"]);
  });

  it("builds each share link from the edited message and records the channel on click", () => {
    const { shares } = renderPanel();
    const message = screen.getByLabelText("Your message (edit it before you send)") as HTMLTextAreaElement;
    fireEvent.input(message, { target: { value: "Dana here: Ledgerly halved our close." } });
    const link = "http://localhost:4000/?via=DANA42";
    const expectedText = encodeURIComponent(`Dana here: Ledgerly halved our close. ${link}`);
    const email = screen.getByRole("link", { name: "Email" }) as HTMLAnchorElement;
    expect(email.getAttribute("href")).toBe(`mailto:?subject=Try%20Ledgerly&body=${expectedText}`);
    expect(screen.getByRole("link", { name: /LinkedIn/ }).getAttribute("href")).toBe(
      `https://www.linkedin.com/feed/?shareActive=true&text=${expectedText}`,
    );
    expect(screen.getByRole("link", { name: /^X/ }).getAttribute("href")).toBe(
      `https://x.com/intent/post?text=${expectedText}`,
    );
    const whatsapp = screen.getByRole("link", { name: /WhatsApp/ });
    expect(whatsapp.getAttribute("href")).toBe(`https://wa.me/?text=${expectedText}`);
    expect(whatsapp.getAttribute("rel")).toBe("noopener noreferrer");
    for (const name of [/LinkedIn/, /^X/, /WhatsApp/]) {
      screen.getByRole("link", { name }).addEventListener("click", (e) => e.preventDefault());
      fireEvent.click(screen.getByRole("link", { name }));
    }
    email.addEventListener("click", (e) => e.preventDefault());
    fireEvent.click(email);
    expect(shares).toEqual(["linkedin", "x", "whatsapp", "email"]);
  });

  it("keeps API text as text: a hostile name and company never become markup", () => {
    const xss = "<img src=x onerror=alert(1)>";
    const data = meResponse({
      referrals: [
        {
          id: "ref_x",
          name: xss,
          company: `<script>alert(2)</script>`,
          status: "lead",
          created_at: "2026-02-01T00:00:00Z",
        },
      ],
      program: {
        ...meResponse().program,
        name: xss,
        offer_text: "<b>bold</b>",
        program_page_url: "javascript:alert(3)",
      },
    });
    const { container } = renderPanel({ data });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByText(xss)).toBeTruthy();
    expect(screen.getByRole("dialog").getAttribute("aria-labelledby")).toBe("vouch-title");
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe(`Refer a peer to ${xss}`);
    // A javascript: program page is dropped, not linked.
    expect(screen.queryByRole("link", { name: /How it works/ })).toBeNull();
  });

  it("links to the program page in a new tab", () => {
    renderPanel();
    const link = screen.getByRole("link", { name: /How it works, FAQ and terms/ });
    expect(link.getAttribute("href")).toBe("http://localhost:4000/referral-program");
    expect(link.getAttribute("target")).toBe("_blank");
  });

  it("closes on Escape and on the close button", () => {
    const { onClose } = renderPanel();
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it("traps Tab focus inside the dialog in both directions", () => {
    renderPanel();
    const dialog = screen.getByRole("dialog");
    const close = screen.getByRole("button", { name: "Close" });
    const programLink = screen.getByRole("link", { name: /How it works/ });
    programLink.focus();
    fireEvent.keyDown(dialog, { key: "Tab" });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(programLink);
  });

  it("hides the rewards section when the API sends no rewards", () => {
    renderPanel();
    expect(screen.queryByTestId("rewards")).toBeNull();
    expect(screen.getByText("Ada Lovelace")).toBeTruthy();
    expect(screen.getByText("Referred", { selector: ".status" })).toBeTruthy();
  });

  it("shows rewards on hold, approved and paid out (amounts that never overlap), and milestone progress", () => {
    renderPanel({ data: meResponse({ rewards: rewardsView() }) });
    const rewards = screen.getByTestId("rewards");
    const amount = (label: string) => within(rewards).getByText(label).nextElementSibling?.textContent;
    expect(amount("On hold")).toBe("$100.00");
    // Approved means "to be paid": the $50 already paid is not counted again here.
    expect(amount("Approved, to be paid")).toBe("$150.00");
    expect(amount("Paid out")).toBe("$50.00");
    const bar = within(rewards).getByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("2");
    expect(bar.getAttribute("aria-valuemax")).toBe("5");
    expect(within(rewards).getByText("2 of 5 toward a $250 bonus")).toBeTruthy();
    expect(within(rewards).getByText("Your discount: 10%")).toBeTruthy();
    expect((bar.firstElementChild as HTMLElement).style.width).toBe("40%");
  });

  it("in test mode without reward rules, says so at the top; never outside test mode", () => {
    const warnings = [{ code: "no_reward_rules", message: "This program has no reward rules…" }];
    const { unmount } = renderPanel({ data: meResponse({ program: { ...meResponse().program, warnings } }) });
    const notice = screen.getByText("Test mode: this program has no reward rules yet, so referrals earn nothing.");
    expect(notice.classList.contains("warn")).toBe(true);
    expect(notice.parentElement?.firstElementChild).toBe(notice); // first thing in the panel's body
    expect(screen.queryByText(/referrals and rewards here are not real/)).toBeNull(); // one notice, not two
    unmount();

    // Test mode with rules: the usual test-mode line only.
    const withRules = renderPanel();
    expect(screen.getByText("Test mode: referrals and rewards here are not real.").classList.contains("warn")).toBe(
      false,
    );
    expect(screen.queryByText(/no reward rules/)).toBeNull();
    withRules.unmount();

    // A live program never shows either, whatever the answer carries.
    renderPanel({ data: meResponse({ program: { ...meResponse().program, test_mode: false, warnings } }) });
    expect(screen.queryByText(/^Test mode/)).toBeNull();
    expect(screen.queryByText(/no reward rules/)).toBeNull();
  });

  it("ignores warnings it does not know and answers from older servers without warnings", () => {
    const program = { ...meResponse().program, warnings: [{ code: "something_else", message: "?" }] };
    const { unmount } = renderPanel({ data: meResponse({ program }) });
    expect(screen.getByText("Test mode: referrals and rewards here are not real.")).toBeTruthy();
    unmount();
    const { warnings: _, ...older } = meResponse().program;
    renderPanel({ data: meResponse({ program: older as MeResponse["program"] }) });
    expect(screen.getByText("Test mode: referrals and rewards here are not real.")).toBeTruthy();
  });

  it("tells a suspended member their link is paused: no link, no sharing, no peer form, no API calls", () => {
    const data = meResponse({ member: { ...meResponse().member, status: "suspended" }, member_token: "" });
    const { container, shares, leads } = renderPanel({ data });
    const dialog = screen.getByRole("dialog", { name: "Your referrals at Ledgerly" });
    expect(dialog.getAttribute("aria-describedby")).toBe("vouch-offer");
    expect(container.querySelector("#vouch-offer")?.textContent).toBe(
      "Your referral link is paused for now. Questions? Please contact the Ledgerly team.",
    );
    expect(screen.queryByText("Give $100, get $100.")).toBeNull();
    expect(screen.queryByLabelText("Your referral link")).toBeNull();
    expect(screen.queryByLabelText("Your referral code")).toBeNull();
    expect(container.textContent).not.toContain("DANA42");
    expect(screen.queryByRole("link", { name: /LinkedIn|WhatsApp|Email/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Send referral" })).toBeNull();
    expect(container.querySelector("form, textarea, input")).toBeNull();
    // Their referrals so far, the program page and the close button stay.
    expect(screen.getByText("Ada Lovelace")).toBeTruthy();
    expect(screen.getByRole("link", { name: /How it works/ })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Close" })).toBeTruthy();
    expect(shares).toEqual([]);
    expect(leads).toEqual([]);
  });

  it("does not nudge a paused member to share: no milestone, no 'share your link' hint", () => {
    const earned = [{ currency: "USD", pending: 0, approved: 10_000, paid: 0, earned: 10_000 }];
    const rewards = rewardsView({ totals: earned, discount_percent: 0 });
    renderPanel({ data: meResponse({ member_token: "", referrals: [], rewards }) });
    expect(within(screen.getByTestId("rewards")).getByText("$100.00")).toBeTruthy(); // what they earned stays
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.queryByText(/Share your link/)).toBeNull();
    cleanup();
    // With nothing earned either, no empty "Your rewards" heading.
    renderPanel({ data: meResponse({ member_token: "", rewards: rewardsView({ totals: [], discount_percent: 0 }) }) });
    expect(screen.queryByTestId("rewards")).toBeNull();
  });

  it("has no empty offer line when the program has no offer", () => {
    const { container } = renderPanel({ data: meResponse({ program: { ...meResponse().program, offer_text: "" } }) });
    expect(container.querySelector("#vouch-offer")).toBeNull();
    expect(screen.getByRole("dialog").hasAttribute("aria-describedby")).toBe(false);
  });

  it("treats an answer without a member token as paused too, and speaks German", () => {
    renderPanel({ data: meResponse({ member_token: "" }), locale: "de" });
    expect(screen.getByRole("dialog", { name: "Ihre Empfehlungen bei Ledgerly" })).toBeTruthy();
    expect(
      screen.getByText("Ihr Empfehlungslink ist derzeit pausiert. Fragen? Wenden Sie sich bitte an das Ledgerly-Team."),
    ).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Empfehlung senden" })).toBeNull();
  });

  it("speaks German when asked, and a host can override a string", () => {
    renderPanel({ locale: "de", strings: { submit: "Jetzt empfehlen" } });
    expect(screen.getByRole("dialog", { name: "Empfehlen Sie Ledgerly weiter" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Link kopieren" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Jetzt empfehlen" })).toBeTruthy();
  });
});

describe("PeerForm", () => {
  function fill(values: Record<string, string>) {
    for (const [label, value] of Object.entries(values)) {
      fireEvent.input(screen.getByLabelText(new RegExp(`^${label}( \\*)?$`)), { target: { value } });
    }
  }

  const thanks = (who: string) => `Thanks! If ${who} is new to Ledgerly, they'll count as your referral.`;

  it("posts the lead, thanks the member without claiming the friend is new, and lists them as referred", async () => {
    const recorder = recordingApi(acceptedLead());
    const { onDataChange } = renderPanel({ api: recorder.api });
    fill({ Name: "Grace Hopper", "Work email": "grace@cobol.example", Company: "Cobol Inc" });
    fireEvent.change(screen.getByLabelText("Company size (optional)"), { target: { value: "51-200" } });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    expect(await screen.findByText(thanks("Grace Hopper"))).toBeTruthy();
    expect(recorder.leads).toEqual([
      { email: "grace@cobol.example", name: "Grace Hopper", company: "Cobol Inc", size: "51-200" },
    ]);
    const row = screen.getByText("Grace Hopper", { selector: ".name" }).closest("li") as HTMLElement;
    expect(within(row).getByText("Referred", { selector: ".status" })).toBeTruthy();
    expect(within(row).getByText("Cobol Inc")).toBeTruthy();
    expect(onDataChange).toHaveBeenCalledTimes(1);
    const [added] = onDataChange.mock.calls[0]?.[0].referrals ?? [];
    expect(added).toMatchObject({ name: "Grace Hopper", company: "Cobol Inc", status: "lead" });
    expect(added.id).toMatch(/^local-/); // the API's list replaces it on the next enrolment
    expect((screen.getByLabelText(/^Work email/) as HTMLInputElement).value).toBe("");
  });

  it("answers a lead the API may already know exactly like a new one (no duplicate oracle)", async () => {
    const { onDataChange } = renderPanel({ api: recordingApi(acceptedLead()).api });
    const send = screen.getByRole("button", { name: "Send referral" });
    const form = send.closest("form") as HTMLFormElement;
    for (let i = 0; i < 2; i++) {
      fill({ "Work email": "old@friend.example" });
      fireEvent.click(send);
      await waitFor(() => expect(onDataChange).toHaveBeenCalledTimes(i + 1));
      expect(within(form).getByRole("status").textContent).toBe(thanks("old@friend.example"));
      expect(within(form).queryByRole("alert")).toBeNull();
    }
    const ids = onDataChange.mock.calls.map((c) => c[0].referrals[0].id);
    expect(new Set(ids).size).toBe(2); // each local row keeps its own key
    expect(screen.queryByText(/already referred/)).toBeNull();
  });

  it("thanks in German", async () => {
    renderPanel({ api: recordingApi(acceptedLead()).api, locale: "de" });
    fill({ "Geschäftliche E-Mail": "ada@analytical.example" });
    fireEvent.click(screen.getByRole("button", { name: "Empfehlung senden" }));
    expect(
      await screen.findByText(
        "Danke! Falls ada@analytical.example Ledgerly noch nicht nutzt, zählt die Empfehlung für Sie.",
      ),
    ).toBeTruthy();
  });

  it("asks for the email before calling the API", async () => {
    const recorder = recordingApi();
    renderPanel({ api: recorder.api });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    expect(await screen.findByText("Enter their work email address.")).toBeTruthy();
    const email = screen.getByLabelText(/^Work email/);
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(recorder.leads).toHaveLength(0);
  });

  it("shows the API's invalid email as a field error", async () => {
    const recorder = recordingApi(
      apiError(422, "validation_failed", "Request body is invalid.", [{ path: "email", message: "Invalid email" }]),
    );
    renderPanel({ api: recorder.api });
    fill({ "Work email": "not-an-email" });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    const error = await screen.findByText("Enter a valid work email address, like alex@company.com.");
    const email = screen.getByLabelText(/^Work email/);
    expect(email.getAttribute("aria-describedby")).toBe(error.id);
    await waitFor(() => expect(document.activeElement).toBe(email));
  });

  it("explains a self-referral by same email and by same company domain (which no longer names the domain)", async () => {
    let reason = "same_email";
    const recorder = recordingApi(() => apiError(422, "self_referral", "Members cannot refer themselves.", { reason }));
    renderPanel({ api: recorder.api });
    fill({ "Work email": "dana@northwind-books.example" });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    expect((await screen.findByRole("alert")).textContent).toBe("You cannot refer yourself.");
    reason = "same_domain";
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    await screen.findByText(/Referrals within your own company do not count/);
  });

  it("keeps success and error in two live regions that never change role", async () => {
    let reply = apiError(0, "network_error", "TypeError: Failed to fetch");
    renderPanel({ api: recordingApi(() => reply).api });
    const form = screen.getByRole("button", { name: "Send referral" }).closest("form") as HTMLFormElement;
    const status = within(form).getByRole("status");
    fill({ "Work email": "x@y.example" });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    expect((await within(form).findByRole("alert")).textContent).toMatch(/could not reach the server/);
    expect(within(form).getByRole("status")).toBe(status);
    expect(status.textContent).toBe("");
    reply = acceptedLead();
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    await waitFor(() => expect(status.textContent).toBe(thanks("x@y.example")));
    expect(status.getAttribute("role")).toBe("status");
    expect(within(form).queryByRole("alert")).toBeNull();
  });

  it("reports a network failure in plain words", async () => {
    const recorder = recordingApi(apiError(0, "network_error", "TypeError: Failed to fetch"));
    renderPanel({ api: recorder.api });
    fill({ "Work email": "x@y.example" });
    fireEvent.click(screen.getByRole("button", { name: "Send referral" }));
    expect(await screen.findByText(/could not reach the server/)).toBeTruthy();
  });
});

describe("format", () => {
  it("fills own keys only and leaves inherited names like {constructor} alone", () => {
    expect(format("{who} and {constructor} {toString}", { who: "Ada" })).toBe("Ada and {constructor} {toString}");
  });
});

describe("formatMoney", () => {
  it("divides by the currency's own minor unit", () => {
    expect(formatMoney(12345, "USD", "en")).toBe("$123.45");
    expect(formatMoney(5000, "JPY", "en")).toBe("¥5,000");
    expect(formatMoney(1234, "KWD", "en")).toMatch(/^KWD\s1\.234$/);
  });
});

describe("mountPanel", () => {
  it("renders into a shadow root with its own styles and unmounts to nothing", () => {
    const host = document.createElement("vouch-panel");
    document.body.append(host);
    const root = host.attachShadow({ mode: "open" });
    const adopted: string[] = [];
    const handle = mountPanel(root, {
      data: meResponse(),
      api: recordingApi().api,
      locale: "en",
      strings: {},
      adoptStyles: (_root, css) => adopted.push(css),
      onClose: () => {},
      onDataChange: () => {},
    });
    expect(adopted[0]).toContain(":host");
    expect(root.querySelector('[role="dialog"]')).not.toBeNull();
    expect(document.body.querySelector('[role="dialog"]')).toBeNull(); // nothing leaks into the light DOM
    handle.unmount();
    expect(root.childNodes).toHaveLength(0);
    host.remove();
  });
});
