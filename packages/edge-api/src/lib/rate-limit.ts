/**
 * Rate limits per minute for browser routes (per publishable key + client address) and server routes
 * (per secret key), counted by one of two backends, chosen per request by `checkRateLimit`:
 *
 * - **The Workers rate-limiting binding** (`BROWSER_LIMITER`, `SERVER_LIMITER`) where it is bound and
 *   `RATE_LIMIT_BACKEND` is `"binding"`, as in production (wrangler.jsonc). It counts per Cloudflare
 *   location, across every isolate and machine there, eventually consistently; limits are not global across
 *   locations. It costs one binding call per request, and on local workerd one call cost about as much as a
 *   whole bare request (`pnpm bench`), which is why local runs do not use it.
 * - **A sliding window in the isolate's memory** (below): no I/O. Local runs (`pnpm dev`, the tests,
 *   `pnpm bench`) use it, and so does a deployment when a binding call throws. Its limits are per isolate.
 *
 * The in-memory estimate is the usual two-window blend: count(current) + count(previous) × (unused share
 * of the previous window), so a burst at a window boundary cannot double the allowance.
 */
import { getOrSet } from "./memo";
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

/** browser: per publishable key + address; server: per secret key; public: unauthenticated routes (`/r/`) per address. */
export type RateLimitKind = "browser" | "server" | "public";

/** What `checkRateLimit` reads from the Worker's env (bench and local runs have no bindings). */
export interface RateLimitEnv {
  RATE_LIMIT_BACKEND?: string;
  BROWSER_LIMITER?: RateLimit;
  SERVER_LIMITER?: RateLimit;
  PUBLIC_LIMITER?: RateLimit;
  BROWSER_RATE_LIMIT?: string;
  SERVER_RATE_LIMIT?: string;
  PUBLIC_RATE_LIMIT?: string;
}

const KINDS = {
  browser: { binding: "BROWSER_LIMITER", perMinute: "BROWSER_RATE_LIMIT", fallback: 600 },
  server: { binding: "SERVER_LIMITER", perMinute: "SERVER_RATE_LIMIT", fallback: 3000 },
  public: { binding: "PUBLIC_LIMITER", perMinute: "PUBLIC_RATE_LIMIT", fallback: 120 },
} as const;

/** The bindings' period (wrangler.jsonc); they do not say when a window ends, so a refusal waits one. */
const BINDING_PERIOD_S = 60;

const limiters = new Map<string, SlidingWindowLimiter>();

/** One in-memory limiter per kind and per-minute limit, so a deployment can tune the vars. */
function memoryLimiter(kind: RateLimitKind, perMinute: string | undefined): SlidingWindowLimiter {
  const limit = Number(perMinute) > 0 ? Number(perMinute) : KINDS[kind].fallback;
  return getOrSet(limiters, `${kind}:${limit}`, () => new SlidingWindowLimiter(limit, 60_000));
}

/**
 * Counts one request of `kind` for `key`: with the binding when it is bound and `RATE_LIMIT_BACKEND` is
 * `"binding"`, else (or when the binding call throws) in memory. `limit` is the per-minute limit the
 * refusal reports: the var, which wrangler.jsonc keeps equal to the binding's own limit.
 */
export async function checkRateLimit(
  env: RateLimitEnv,
  kind: RateLimitKind,
  key: string,
): Promise<RateLimitVerdict & { limit: number }> {
  const memory = memoryLimiter(kind, env[KINDS[kind].perMinute]);
  const binding = env.RATE_LIMIT_BACKEND === "binding" ? env[KINDS[kind].binding] : undefined;
  if (binding) {
    try {
      const { success } = await binding.limit({ key });
      return { ok: success, retryAfter: success ? 0 : BINDING_PERIOD_S, limit: memory.limit };
    } catch (err) {
      console.warn("rate-limit binding failed; counting in memory", { kind, error: String(err) });
    }
  }
  return { ...memory.check(key), limit: memory.limit };
}
