/**
 * A sliding-window rate limiter kept in the isolate's memory: no I/O on the request path.
 *
 * Why not the Workers rate-limit binding on every request: measured on local workerd, one binding call
 * costs about as much as a whole bare request (see `pnpm bench`), and a visit already spends its one
 * round trip on the insert. Cloudflare's binding is itself a per-location, eventually consistent
 * counter; this one is per isolate. For a global limit in production add a WAF rate-limiting rule in
 * front of the Worker (documented in README, "Deploying").
 *
 * The estimate is the usual two-window blend: count(current) + count(previous) × (unused share of the
 * previous window), so a burst at a window boundary cannot double the allowance.
 */
export interface RateLimitVerdict {
  ok: boolean;
  /** Seconds until a request would be allowed again (only when !ok). */
  retryAfter: number;
}

interface Counter {
  window: number;
  current: number;
  previous: number;
}

export class SlidingWindowLimiter {
  readonly #counters = new Map<string, Counter>();

  constructor(
    readonly limit: number,
    readonly periodMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  check(key: string, now = Date.now()): RateLimitVerdict {
    return this.#count(key, now, true);
  }

  /** The verdict a request would get now, without counting one. */
  peek(key: string, now = Date.now()): RateLimitVerdict {
    return this.#count(key, now, false);
  }

  #count(key: string, now: number, record: boolean): RateLimitVerdict {
    const window = Math.floor(now / this.periodMs);
    let c = this.#counters.get(key);
    if (!c) {
      if (this.#counters.size >= this.maxKeys) this.#evict(window);
      c = { window, current: 0, previous: 0 };
      this.#counters.set(key, c);
    } else if (c.window !== window) {
      c.previous = c.window === window - 1 ? c.current : 0;
      c.current = 0;
      c.window = window;
    }
    const elapsed = (now % this.periodMs) / this.periodMs;
    const estimate = c.current + c.previous * (1 - elapsed);
    if (estimate >= this.limit) {
      return { ok: false, retryAfter: Math.max(1, Math.ceil(((1 - elapsed) * this.periodMs) / 1000)) };
    }
    if (record) c.current += 1;
    return { ok: true, retryAfter: 0 };
  }

  /** Drops counters idle for two windows; if every key is active, drops the oldest half. */
  #evict(window: number): void {
    for (const [k, c] of this.#counters) if (c.window < window - 1) this.#counters.delete(k);
    if (this.#counters.size >= this.maxKeys) {
      let n = Math.floor(this.maxKeys / 2);
      for (const k of this.#counters.keys()) {
        if (n-- <= 0) break;
        this.#counters.delete(k);
      }
    }
  }
}
