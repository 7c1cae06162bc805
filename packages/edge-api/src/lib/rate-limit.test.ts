import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { checkRateLimit, type RateLimitEnv, type RateLimitKind, SlidingWindowLimiter } from "./rate-limit";

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

describe("checkRateLimit: the binding where deployed, memory otherwise", () => {
  /** `n` requests in a row for a fresh key; the verdict of each. */
  async function verdicts(limitsEnv: RateLimitEnv, kind: RateLimitKind, n: number, key = crypto.randomUUID()) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await checkRateLimit(limitsEnv, kind, key));
    return out;
  }

  it("counts in memory in the test stack, as configured for local runs", async () => {
    expect(env.RATE_LIMIT_BACKEND).toBe("memory");
    const seen = await verdicts({ ...env, SERVER_RATE_LIMIT: "3" }, "server", 4);
    expect(seen.map((v) => v.ok)).toEqual([true, true, true, false]);
    expect(seen[3]?.limit).toBe(3);
    expect(seen[3]?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(seen[3]?.retryAfter).toBeLessThanOrEqual(60);
  });

  it("asks the bound rate-limiting binding when RATE_LIMIT_BACKEND is binding, and it refuses past its limit", async () => {
    expect(env.BROWSER_LIMITER).toBeDefined();
    // The binding counts in fixed 60-second windows: start well inside one, so 601 calls cannot straddle two.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 100));
    const key = crypto.randomUUID();
    // BROWSER_LIMITER allows 600 a minute (wrangler.jsonc).
    const seen = await verdicts({ ...env, RATE_LIMIT_BACKEND: "binding" }, "browser", 601, key);
    expect(seen.slice(0, 600).every((v) => v.ok)).toBe(true);
    expect(seen[600]).toEqual({ ok: false, retryAfter: 60, limit: 600 });
    // The binding counted, not the isolate: the memory path has not seen this key.
    expect((await checkRateLimit(env, "browser", key)).ok).toBe(true);
  }, 30_000);

  it("falls back to memory when the binding call fails or the binding is not bound", async () => {
    const failing: RateLimit = { limit: () => Promise.reject(new Error("rate limiter unavailable")) };
    const broken = { ...env, RATE_LIMIT_BACKEND: "binding", SERVER_LIMITER: failing, SERVER_RATE_LIMIT: "2" };
    expect((await verdicts(broken, "server", 3)).map((v) => v.ok)).toEqual([true, true, false]);
    const unbound = { RATE_LIMIT_BACKEND: "binding", SERVER_RATE_LIMIT: "2" };
    expect((await verdicts(unbound, "server", 3)).map((v) => v.ok)).toEqual([true, true, false]);
  });
});
