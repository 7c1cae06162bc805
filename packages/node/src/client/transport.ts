import { errorFromResponse, retryAfterSeconds, VouchNetworkError } from "./errors";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, type RetryPolicy, retryDelayMs } from "./retry";

export interface ClientOptions {
  /** The program's secret key, `vch_sk_…` (server only). */
  secretKey: string;
  /** Your Vouch API's origin, e.g. `https://vouch.example.com`. */
  apiUrl: string;
  /** Retries of idempotent requests on 429, 5xx and network errors; `maxRetries: 0` turns them off. */
  retry?: Partial<RetryPolicy>;
  /** Per try; default 30 s. */
  timeoutMs?: number;
  /** Another `fetch` (a test double, a proxy agent); default the runtime's. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  /** Sent as JSON. A string is sent as it is (already serialised JSON). */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as `Idempotency-Key`; makes a POST or PATCH safe to retry. */
  idempotencyKey?: string;
  /** Safe to retry without a key (e.g. a PATCH that names its invoice). GET, PUT, DELETE always are. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SDK's HTTP layer, and the seam for the client generated from the API's OpenAPI document: `fetch` is a
 * standard `fetch` that adds the secret key, the timeout and the retries (for idempotent requests only), so
 * `openapi-fetch`'s `createClient({ baseUrl: vouch.apiUrl, fetch: vouch.fetch })` gets all of them; `request`
 * adds JSON and turns error answers into `VouchError`s, which is what the helpers use.
 */
export class Transport {
  readonly apiUrl: string;
  private readonly secretKey: string;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly baseFetch: typeof fetch;

  constructor(options: ClientOptions) {
    if (!options?.secretKey) throw new TypeError("secretKey is required (vch_sk_…).");
    if (!options.apiUrl) throw new TypeError("apiUrl is required, e.g. https://vouch.example.com.");
    this.secretKey = options.secretKey;
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * `fetch` with the secret key, a timeout per try and retries: a request is retried on 429, 5xx or a network
   * error when its method is idempotent, it carries an `Idempotency-Key`, or `idempotent` says so. A failure
   * to connect (after the retries) rejects with `VouchNetworkError`; any answer resolves, as `fetch` does.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit & { idempotent?: boolean } = {}) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${this.secretKey}`);
    const body = request.body ? await request.arrayBuffer() : undefined;
    const retryable = init.idempotent || IDEMPOTENT_METHODS.has(request.method) || headers.has("idempotency-key");
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs);
        response = await this.baseFetch(request.url, {
          method: request.method,
          headers,
          body,
          signal: init.signal ? anySignal([init.signal, timeout]) : timeout,
        });
      } catch (cause) {
        if (init.signal?.aborted) throw cause;
        const wait = retryable ? retryDelayMs(attempt, undefined, this.policy) : undefined;
        if (wait === undefined) {
          const reason =
            (cause as Error)?.name === "TimeoutError"
              ? `no answer within ${this.timeoutMs} ms`
              : String((cause as Error)?.message ?? cause);
          throw new VouchNetworkError(
            `${request.method} ${request.url} failed: ${reason}`,
            request.method,
            request.url,
            { cause },
          );
        }
        await sleep(wait);
        continue;
      }
      if (!retryable || !isRetryableStatus(response.status)) return response;
      const wait = retryDelayMs(attempt, retryAfterSeconds(response.headers.get("retry-after")), this.policy);
      if (wait === undefined) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };

  /** A JSON call to the API: resolves to the parsed answer, rejects with `VouchError` or `VouchNetworkError`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.apiUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers = new Headers({ accept: "application/json" });
    if (options.idempotencyKey) headers.set("idempotency-key", options.idempotencyKey);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set("content-type", "application/json");
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const response = await this.fetch(url, {
      method,
      headers,
      body,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idempotent ? { idempotent: true } : {}),
    });
    if (!response.ok) throw await errorFromResponse(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** `AbortSignal.any` (Node 20+) for Node 18: aborts when any of the signals does. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (any) return any(signals);
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) return AbortSignal.abort(signal.reason);
    signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
