import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * One third party's fake, served by the shared local server (test/local-servers.ts) under `/<prefix>/…`.
 *
 * Every file in test/fakes/ that default-exports a `Fake` is loaded, so adding a provider's fake is adding a file.
 * `handle` gets the request, the path after the prefix (`/v1/payments/payouts`, starting with "/") and the body
 * as text, and answers through `res`; it checks the request against the provider's published reference and
 * answers as the provider does, including its failure answers (queued by the test through a control path of its
 * own, scoped by a name so files running at once never mix).
 */
export interface Fake {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, path: string, body: string): void | Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(value === null ? "" : JSON.stringify(value));
}

export function headersOf(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
  );
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * A fake's request path split into the test's scope and the provider's own path: `/<name>/v1/x?q=1` → name, the
 * path `/v1/x`, and the URL (for its query).
 */
export function scoped(fullPath: string): { name: string; path: string; url: URL } {
  const whole = new URL(fullPath, "http://fake");
  const [, name = "", ...rest] = whole.pathname.split("/");
  const url = new URL(`/${rest.join("/")}${whole.search}`, "http://fake");
  return { name, path: url.pathname, url };
}

/** Each test's own state in a fake, made on first use and kept by its scope name. */
export function perScope<T>(make: () => T): (name: string) => T {
  const states = new Map<string, T>();
  return (name) => {
    let s = states.get(name);
    if (s === undefined) {
      s = make();
      states.set(name, s);
    }
    return s;
  };
}

/** Scripted answers a test queues for a fake (`[{ status, body, headers }]`), taken one per matching request. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Serves one fake on its own port (for tests outside workerd, e.g. a browser test's local stack). */
export async function serveFake(fake: Fake): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? "/";
    const prefix = `/${fake.prefix}`;
    if (!url.startsWith(prefix)) return sendJson(res, 404, { error: "unknown path" });
    await fake.handle(req, res, url.slice(prefix.length) || "/", Buffer.concat(chunks).toString("utf8"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}/${fake.prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
