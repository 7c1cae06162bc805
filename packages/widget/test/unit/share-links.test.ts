import { describe, expect, it } from "vitest";
import { readRewards } from "../../src/panel/rewards";
import { messageWithLink, shareUrl } from "../../src/panel/share-links";

const link = "https://ledgerly.example/?via=DANA42";

describe("share links", () => {
  it("keeps the link when the member edits it out of the message", () => {
    expect(messageWithLink("Try Ledgerly!", link)).toBe(`Try Ledgerly! ${link}`);
    expect(messageWithLink(`Try ${link} now`, link)).toBe(`Try ${link} now`);
    expect(messageWithLink("   ", link)).toBe(link);
  });

  it("percent-encodes text so &, # and newlines cannot break out of the parameter", () => {
    const url = shareUrl("x", "Tom & Jerry #1\nline", link, "s");
    const text = new URL(url).searchParams.get("text");
    expect(text).toBe(`Tom & Jerry #1\nline ${link}`);
    const mail = shareUrl("email", "Hi & bye", link, "Try Ledgerly?");
    expect(mail).toBe(`mailto:?subject=Try%20Ledgerly%3F&body=Hi%20%26%20bye%20${encodeURIComponent(link)}`);
  });
});

describe("readRewards", () => {
  it("hides the section for absent or malformed rewards", () => {
    expect(readRewards(undefined)).toBeUndefined();
    expect(readRewards(null)).toBeUndefined();
    expect(readRewards("lots")).toBeUndefined();
    expect(readRewards({ totals: { pending_cents: "100" } })).toBeUndefined();
  });

  it("reads totals and clamps milestone progress", () => {
    expect(
      readRewards({
        currency: "eur",
        totals: { pending_cents: 1, earned_cents: 2, paid_cents: 3 },
        next_milestone: { label: "Gold", current: 9, target: 5 },
      }),
    ).toEqual({
      currency: "EUR",
      pending_cents: 1,
      earned_cents: 2,
      paid_cents: 3,
      next_milestone: { label: "Gold", current: 5, target: 5 },
    });
  });
});
