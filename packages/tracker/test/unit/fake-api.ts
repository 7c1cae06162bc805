import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach } from "vitest";

export interface Delivery {
  path: string;
  key: string | null;
  body: Record<string, unknown>;
}

/**
 * A small HTTP server that speaks the tracker's side of the API contract (`/v1/track/visit`, `/lead`),
 * so unit tests exercise real `fetch` and real JSON. The browser tests use the real API on workerd.
 * Not listening yet: `listen()` starts it and sets `url`.
 */
function createFakeApi() {
  const state = {
    codes: new Set(["ANNA7K2M", "BORIS9QX"]),
    model: "first" as "first" | "last",
    windowDays: 90,
    /** Answer 503 to every post, like an API that is down. */
    down: false,
    /** Answer 201 with a body that only half follows the contract, like a misconfigured proxy. */
    garbage: false,
    deliveries: [] as Delivery[],
    clicks: 0,
  };
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    res.setHeader("access-control-allow-origin", req.headers.origin ?? "*");
    if (req.method === "OPTIONS") return answer(res, 204, null);
    if (state.down) return answer(res, 503, { error: { code: "internal_error", message: "down" } });
    const url = new URL(req.url ?? "/", "http://fake");
    const body = JSON.parse(text || "{}") as Record<string, unknown>;
    const path = url.pathname.replace("/v1/track/", "");
    state.deliveries.push({ path, key: url.searchParams.get("key"), body });
    if (state.garbage) return answer(res, 201, { click_id: "clk_from_a_proxy" });
    const code = String(body.code ?? "")
      .trim()
      .toUpperCase();
    if (path === "visit") {
      if (!state.codes.has(code)) return answer(res, 404, { error: { code: "unknown_code", message: "?" } });
      state.clicks++;
      return answer(res, 201, {
        click_id: `clk_${String(state.clicks).padStart(16, "0")}`,
        code,
        attribution: { model: state.model, window_days: state.windowDays },
        expires_at: new Date(Date.now() + state.windowDays * 86_400_000).toISOString(),
      });
    }
    if (path === "lead") return answer(res, 201, { referral: { id: "ref_1" }, duplicate: false });
    return answer(res, 404, { error: { code: "not_found", message: "?" } });
  };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => handle(req, res, text));
  });
  const api = Object.assign(state, {
    url: "",
    async listen(): Promise<void> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      api.url = `http://127.0.0.1:${port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return api;
}

export type FakeApi = ReturnType<typeof createFakeApi>;

export async function startFakeApi(): Promise<FakeApi> {
  const api = createFakeApi();
  await api.listen();
  return api;
}

/**
 * The fake API for a whole test file (started before its first test, closed after its last), and before
 * every test a blank page at www.ledgerly.example with no deliveries recorded.
 */
export function useFakeApi(): FakeApi {
  const api = createFakeApi();
  beforeAll(() => api.listen());
  afterAll(() => api.close());
  beforeEach(() => {
    resetPage("http://www.ledgerly.example/");
    api.deliveries.length = 0;
  });
  return api;
}

/** Polls until `check` stops throwing (the tracker's posts are fire-and-forget). */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Lets pending fetches finish, for asserting that something did NOT happen. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

export function resetPage(href: string): void {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(href);
  for (const cookie of document.cookie.split(";")) {
    const name = cookie.split("=")[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: the test plays the host page, which writes cookies this way.
    if (name) document.cookie = `${name}=;path=/;max-age=0`;
  }
  localStorage.clear();
  document.body.innerHTML = "";
}

export function storedReferral(): Record<string, unknown> | undefined {
  const raw = localStorage.getItem("vouch_ref");
  return raw ? JSON.parse(decodeURIComponent(raw)) : undefined;
}

export function cookieReferral(): Record<string, unknown> | undefined {
  const raw = /(?:^|; )vouch_ref=([^;]+)/.exec(document.cookie)?.[1];
  return raw ? JSON.parse(decodeURIComponent(raw)) : undefined;
}
