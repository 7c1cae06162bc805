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
