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
  const empty = {
    rule_version: null,
    totals: [],
    free_months: { pending: 0, earned: 0 },
    discount_percent: 0,
    next_milestone: null,
    raffle: null,
    recent: [],
  };

  it("hides the section for absent, malformed or empty rewards", () => {
    expect(readRewards(undefined)).toBeUndefined();
    expect(readRewards(null)).toBeUndefined();
    expect(readRewards("lots")).toBeUndefined();
    expect(readRewards(empty)).toBeUndefined();
    expect(readRewards({ ...empty, totals: [{ currency: "dollars", pending: 1 }] })).toBeUndefined();
  });

  it("reads totals, free months, raffle entries, and clamps milestone progress", () => {
    expect(
      readRewards({
        ...empty,
        totals: [{ currency: "eur", pending: 1, approved: 2, paid: 3, earned: 5 }],
        free_months: { pending: 1, earned: 2 },
        next_milestone: { rule_id: "r", description: null, trigger: "converted", at: 5, current: 9, remaining: 0 },
        raffle: { month: "2026-03", entries: 4 },
      }),
    ).toEqual({
      money: [{ currency: "EUR", pending: 1, approved: 2, paid: 3 }],
      freeMonths: { pending: 1, earned: 2 },
      discountPercent: 0,
      milestone: { label: null, current: 5, target: 5 },
      raffleEntries: 4,
    });
  });
});
