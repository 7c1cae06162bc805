import { describe, expect, test } from "vitest";
import { retryAfterSeconds, VouchError, VouchNetworkError } from "./errors";
import { DEFAULT_RETRY_POLICY, retryDelayMs } from "./retry";
import { Transport } from "./transport";

type Answer = Response | Error;

/** A `fetch` that answers from a script and records what it was asked. */
function scriptedFetch(...answers: Answer[]) {
  const calls: { method: string; url: string; headers: Headers; body: string }[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({
      method: init.method ?? "GET",
      url: String(input),
      headers: new Headers(init.headers),
      body: init.body ? new TextDecoder().decode(init.body as ArrayBuffer) : "",
    });
    const answer = answers.shift() ?? new Error("no more answers");
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const apiError = (status: number, code: string, details?: unknown, headers?: Record<string, string>) =>
  json(status, { error: { code, message: `${code}!`, details } }, headers);
const transport = (fetch: typeof globalThis.fetch, timeoutMs?: number) =>
  new Transport({
    secretKey: "vch_sk_test_unit",
    apiUrl: "http://api.test/",
    fetch,
    retry: { baseDelayMs: 1 },
    ...(timeoutMs ? { timeoutMs } : {}),
  });

describe("Transport.request", () => {
  test("sends the secret key and JSON, and parses the answer", async () => {
    const { fetch, calls } = scriptedFetch(json(200, { ok: true }));
    expect(
      await transport(fetch).request("POST", "/v1/things", { body: { a: 1 }, query: { x: 2, y: undefined } }),
    ).toEqual({
      ok: true,
    });
    expect(calls[0]).toMatchObject({ method: "POST", url: "http://api.test/v1/things?x=2", body: '{"a":1}' });
    expect(calls[0]!.headers.get("authorization")).toBe("Bearer vch_sk_test_unit");
    expect(calls[0]!.headers.get("content-type")).toBe("application/json");
  });

  test("an API error becomes a VouchError with its code, status and details", async () => {
    const { fetch } = scriptedFetch(apiError(409, "invalid_transition", { allowed: ["lost"] }));
    const error = await transport(fetch)
      .request("PATCH", "/v1/referrals/ref_1", { body: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VouchError);
    expect(error).toMatchObject({
      code: "invalid_transition",
      status: 409,
      message: "invalid_transition!",
      details: { allowed: ["lost"] },
    });
  });

  test("an answer that is not the API's error shape is `unexpected_response`", async () => {
    const { fetch } = scriptedFetch(new Response("<h1>Bad gateway</h1>", { status: 502 }));
    await expect(transport(fetch).request("POST", "/v1/x")).rejects.toMatchObject({
      code: "unexpected_response",
      status: 502,
    });
  });
});

describe("retries", () => {
  test("a GET is retried on 5xx and 429, then answers", async () => {
    const { fetch, calls } = scriptedFetch(
      apiError(503, "internal_error"),
      apiError(429, "rate_limited", undefined, { "retry-after": "0" }),
      json(200, { ok: 1 }),
    );
    expect(await transport(fetch).request("GET", "/v1/program")).toEqual({ ok: 1 });
    expect(calls).toHaveLength(3);
  });

  test("gives up after maxRetries with the last answer's error", async () => {
    const { fetch, calls } = scriptedFetch(
      apiError(503, "internal_error"),
      apiError(503, "internal_error"),
      apiError(500, "internal_error"),
    );
    await expect(transport(fetch).request("GET", "/v1/program")).rejects.toMatchObject({ status: 500 });
    expect(calls).toHaveLength(1 + DEFAULT_RETRY_POLICY.maxRetries);
  });

  test("a POST without an Idempotency-Key is never retried: it may have been done", async () => {
    const down = scriptedFetch(new TypeError("fetch failed"));
    const error = await transport(down.fetch)
      .request("POST", "/v1/conversions", { body: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VouchNetworkError);
    expect(error).not.toBeInstanceOf(VouchError);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(down.calls).toHaveLength(1);

    const failing = scriptedFetch(apiError(503, "internal_error"));
    await expect(transport(failing.fetch).request("POST", "/v1/conversions", { body: {} })).rejects.toMatchObject({
      status: 503,
    });
    expect(failing.calls).toHaveLength(1);
  });

  test("a POST with an Idempotency-Key is retried after a network error, with the same key and body", async () => {
    const { fetch, calls } = scriptedFetch(new TypeError("socket hang up"), json(201, { id: 1 }));
    await transport(fetch).request("POST", "/v1/conversions", { body: { a: 1 }, idempotencyKey: "k1" });
    expect(calls.map((c) => [c.headers.get("idempotency-key"), c.body])).toEqual([
      ["k1", '{"a":1}'],
      ["k1", '{"a":1}'],
    ]);
  });

  test("a network failure after the retries is a VouchNetworkError", async () => {
    const { fetch, calls } = scriptedFetch(new TypeError("a"), new TypeError("b"), new TypeError("c"));
    await expect(transport(fetch).request("GET", "/v1/program")).rejects.toBeInstanceOf(VouchNetworkError);
    expect(calls).toHaveLength(3);
  });

  test("a try that gets no answer in time is a network error", async () => {
    const hang = ((_: unknown, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof globalThis.fetch;
    await expect(
      new Transport({
        secretKey: "k",
        apiUrl: "http://api.test",
        fetch: hang,
        timeoutMs: 20,
        retry: { maxRetries: 0 },
      }).request("GET", "/v1/program"),
    ).rejects.toThrow(/no answer within 20 ms/);
  });
});

describe("backoff", () => {
  const policy = DEFAULT_RETRY_POLICY;
  test("Retry-After wins when it is not too long; a longer one is not waited for", () => {
    expect(retryDelayMs(0, 2, policy)).toBe(2000);
    expect(retryDelayMs(0, 60, policy)).toBeUndefined();
    expect(retryAfterSeconds("3")).toBe(3);
    expect(retryAfterSeconds(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThanOrEqual(4);
    expect(retryAfterSeconds("soon")).toBeUndefined();
  });

  test("otherwise exponential with full jitter, capped, and no retry past maxRetries", () => {
    expect(retryDelayMs(0, undefined, policy, () => 1)).toBe(500);
    expect(retryDelayMs(1, undefined, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(1, undefined, policy, () => 0.5)).toBe(500);
    expect(retryDelayMs(6, undefined, { ...policy, maxRetries: 10 }, () => 1)).toBe(10_000);
    expect(retryDelayMs(2, undefined, policy)).toBeUndefined();
  });
});
