import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, makeProgram, ORIGIN } from "../../test/fixtures";

const MB = 1024 * 1024;

/** A body of JSON whitespace with no Content-Length, produced one 64 KiB chunk per pull; `pulled` counts what was asked for. */
function lazyBody(totalBytes: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= totalBytes) return controller.close();
        counter.pulled += chunk.byteLength;
        controller.enqueue(chunk.slice());
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

describe("request body limit", () => {
  it("refuses a chunked body without Content-Length before reading it whole", async () => {
    const p = await makeProgram();
    const { stream, counter } = lazyBody(8 * MB);
    const res = await SELF.fetch(`${API}/v1/conversions`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.sk}`, "content-type": "application/json" },
      body: stream,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: "payload_too_large", message: expect.any(String), details: { max_bytes: 16 * 1024 } },
    });
    // Read whole, all 8 MB would have been pulled; counted as it streams, a little past 16 KiB (plus what
    // the runtime buffers between the test and the Worker).
    expect(counter.pulled).toBeLessThan(1 * MB);
  });

  it("refuses it on a browser route too, with CORS headers so the page can read the error", async () => {
    const p = await makeProgram();
    const { stream, counter } = lazyBody(8 * MB);
    const res = await SELF.fetch(`${API}/v1/track/visit`, {
      method: "POST",
      headers: { origin: ORIGIN, "x-vouch-key": p.pk, "content-type": "text/plain" },
      body: stream,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(((await res.json()) as any).error.details).toEqual({ max_bytes: 16 * 1024 });
    expect(counter.pulled).toBeLessThan(1 * MB);
  });

  it("gives PUT /v1/reward-rules 64 KiB, streamed or not", async () => {
    const p = await makeProgram();
    const headers = { authorization: `Bearer ${p.sk}`, "content-type": "application/json" };
    const rules = JSON.stringify({ rules: [], approval: "manual" });
    // 40 KiB of whitespace around a valid body: past the general limit, inside the rules limit.
    const roomy = new Blob([" ".repeat(40 * 1024), rules]).stream();
    const ok = await SELF.fetch(`${API}/v1/reward-rules`, { method: "PUT", headers, body: roomy });
    expect(ok.status).toBe(201);
    const { stream } = lazyBody(MB);
    const big = await SELF.fetch(`${API}/v1/reward-rules`, { method: "PUT", headers, body: stream });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error.details).toEqual({ max_bytes: 64 * 1024 });
  });
});
