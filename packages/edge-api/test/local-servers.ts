import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

/**
 * Real HTTP servers on this machine for the workerd tests to talk to (the Worker's own `fetch`, no mocks):
 *
 * - a webhook receiver: `POST /hooks/<name>` records each delivery (headers and body) and answers as told by
 *   `PUT /control/<name>` (`{ "status": 503, "delay_ms": 0, "body": "…" }`; 200 "ok" until told otherwise);
 *   `GET /log/<name>` lists what arrived. Each test uses its own name, so files running at once never mix.
 * - a Cloudflare Access team's key set: `PUT /access/<name>` stores a JWKS that
 *   `GET /access/<name>/cdn-cgi/access/certs` then serves, as `https://<team>.cloudflareaccess.com` does.
 */
interface Behaviour {
  status: number;
  delay_ms: number;
  body: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function receiver() {
  const behaviour = new Map<string, Behaviour>();
  const log = new Map<string, { headers: Record<string, string>; body: string; at: number }[]>();
  const keySets = new Map<string, string>();
  return createServer(async (req, res) => {
    const [, kind, name = ""] = (req.url ?? "").split("/");
    const body = await readBody(req);
    if (kind === "control" && req.method === "PUT") {
      behaviour.set(name, { status: 200, delay_ms: 0, body: "ok", ...(JSON.parse(body) as Partial<Behaviour>) });
      return json(res, 204, null);
    }
    if (kind === "log") return json(res, 200, log.get(name) ?? []);
    if (kind === "access" && req.method === "PUT") {
      keySets.set(name, body);
      return json(res, 204, null);
    }
    if (kind === "access" && req.url?.endsWith("/cdn-cgi/access/certs")) {
      res.writeHead(keySets.has(name) ? 200 : 404, { "content-type": "application/json" });
      return res.end(keySets.get(name) ?? "{}");
    }
    if (kind === "hooks" && req.method === "POST") {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
      );
      const entry: { headers: Record<string, string>; body: string; at: number; answered_at?: number } = {
        headers,
        body,
        at: Date.now(),
      };
      log.set(name, [...(log.get(name) ?? []), entry]);
      const b = behaviour.get(name) ?? { status: 200, delay_ms: 0, body: "ok" };
      if (b.delay_ms > 0) await new Promise((r) => setTimeout(r, b.delay_ms));
      if (res.destroyed) return;
      entry.answered_at = Date.now();
      res.writeHead(b.status, { "content-type": "text/plain" });
      return res.end(b.body);
    }
    json(res, 404, { error: "unknown path" });
  });
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

export default async function setup(project: TestProject) {
  const servers = [receiver()];
  const [receiverUrl = ""] = await Promise.all(servers.map(listen));
  project.provide("receiverUrl", receiverUrl);
  return async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}
