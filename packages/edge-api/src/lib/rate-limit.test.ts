import { describe, expect, it } from "vitest";
import { SlidingWindowLimiter } from "./rate-limit";

describe("SlidingWindowLimiter", () => {
  it("allows the limit, then refuses with the seconds left in the window", () => {
    const limiter = new SlidingWindowLimiter(3, 60_000);
    const t = 120_000; // the start of a window
    expect([1, 2, 3].map(() => limiter.check("k", t).ok)).toEqual([true, true, true]);
    expect(limiter.check("k", t + 15_000)).toEqual({ ok: false, retryAfter: 45 });
    expect(limiter.check("other", t + 15_000).ok).toBe(true);
  });

  it("blends the previous window so a burst at the boundary cannot double the allowance", () => {
    const limiter = new SlidingWindowLimiter(10, 60_000);
    for (let i = 0; i < 10; i++) expect(limiter.check("k", 59_000).ok).toBe(true);
    // 1 s into the next window the previous one still weighs 59/60 of 10 ≈ 9.8: one more fits, not two.
    expect(limiter.check("k", 61_000).ok).toBe(true);
    expect(limiter.check("k", 61_000).ok).toBe(false);
    // Halfway through it weighs 5; with 1 already counted, four more fit.
    const allowed = Array.from({ length: 10 }, () => limiter.check("k", 90_000).ok).filter(Boolean).length;
    expect(allowed).toBe(4);
    // Two windows later the old counts are gone.
    expect(limiter.check("k", 180_000).ok).toBe(true);
  });

  it("stays bounded in memory by evicting idle keys first", () => {
    const limiter = new SlidingWindowLimiter(1, 1000, 4);
    for (let i = 0; i < 4; i++) limiter.check(`old${i}`, 0);
    expect(limiter.check("new", 5000).ok).toBe(true);
    // The idle keys were evicted, so they start from zero.
    expect(limiter.check("old0", 5000).ok).toBe(true);
  });
});
