import { readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";
import type { Fake } from "./fakes/fake";

/**
 * Real HTTP servers on this machine for the workerd tests to talk to (the Worker's own `fetch`, no mocks):
 *
 * - a webhook receiver: `POST /hooks/<name>` records each delivery (headers and body) and answers as told by
 *   `PUT /control/<name>` (`{ "status": 503, "delay_ms": 0, "body": "…" }`; 200 "ok" until told otherwise);
 *   `GET /log/<name>` lists what arrived. Each test uses its own name, so files running at once never mix.
 * - a Cloudflare Access team's key set: `PUT /access/<name>` stores a JWKS that
 *   `GET /access/<name>/cdn-cgi/access/certs` then serves, as `https://<team>.cloudflareaccess.com` does.
 * - a fake Resend (`https://api.resend.com`) at `/resend/<name>`: `POST /resend/<name>/emails` checks the request
 *   is Resend's (Bearer key, JSON `{ from, to, subject, html, text, headers }`; a wrong shape gets Resend's 422
 *   `validation_error`), records it, and answers with the next of the replies queued by
 *   `PUT /resend-control/<name>` (`[{ "status": 429, "body": {…}, "headers": {…} }, …]`), then 200 `{ id }`;
 *   `GET /resend-log/<name>` lists what arrived.
 * - every fake in test/fakes/ (one file per provider, see test/fakes/fake.ts), under `/<its prefix>/`.
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

async function loadFakes(): Promise<Map<string, Fake>> {
  const dir = path.join(import.meta.dirname, "fakes");
  const fakes = new Map<string, Fake>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".ts") || file === "fake.ts") continue;
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: Fake };
    if (mod.default?.prefix) fakes.set(mod.default.prefix, mod.default);
  }
  return fakes;
}

function receiver(fakes: Map<string, Fake>) {
  const behaviour = new Map<string, Behaviour>();
  const log = new Map<string, { headers: Record<string, string>; body: string; at: number }[]>();
  const keySets = new Map<string, string>();
  const resendReplies = new Map<string, ResendReply[]>();
  const resendLog = new Map<string, { headers: Record<string, string>; body: unknown }[]>();
  return createServer(async (req, res) => {
    const [, kind, name = "", rest = ""] = (req.url ?? "").split("/");
    const body = await readBody(req);
    const fake = fakes.get(kind ?? "");
    if (fake) {
      const url = req.url ?? "";
      return fake.handle(req, res, url.slice(url.indexOf("/", 1)) || "/", body);
    }
    if (kind === "resend-control" && req.method === "PUT") {
      resendReplies.set(name, JSON.parse(body) as ResendReply[]);
      return json(res, 204, null);
    }
    if (kind === "resend-log") return json(res, 200, resendLog.get(name) ?? []);
    if (kind === "resend" && rest === "emails" && req.method === "POST") {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
      );
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body);
      } catch {}
      resendLog.set(name, [...(resendLog.get(name) ?? []), { headers, body: parsed }]);
      if (!/^Bearer re_\w+$/.test(headers.authorization ?? "")) {
        return json(res, 401, {
          statusCode: 401,
          name: "missing_api_key",
          message: "Missing API key in the authorization header.",
        });
      }
      const problem = resendShapeProblem(headers, parsed);
      if (problem) return json(res, 422, { statusCode: 422, name: "validation_error", message: problem });
      const reply = resendReplies.get(name)?.shift();
      if (reply) {
        res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
        return res.end(JSON.stringify(reply.body));
      }
      return json(res, 200, { id: crypto.randomUUID() });
    }
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

interface ResendReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What is wrong with a request to Resend's `POST /emails`, by its published reference; null if nothing. */
function resendShapeProblem(headers: Record<string, string>, body: unknown): string | null {
  if (!(headers["content-type"] ?? "").startsWith("application/json")) return "Content-Type must be application/json";
  if (!body || typeof body !== "object") return "The body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (typeof b.from !== "string" || !/^(.+ )?<?[^@\s<>]+@[^@\s<>]+>?$/.test(b.from)) return "Invalid `from` field.";
  const to = Array.isArray(b.to) ? b.to : [b.to];
  if (to.length === 0 || to.length > 50 || to.some((t) => typeof t !== "string" || !t.includes("@"))) {
    return "Invalid `to` field.";
  }
  if (typeof b.subject !== "string" || b.subject === "") return "Missing `subject` field.";
  if (typeof b.html !== "string" || typeof b.text !== "string") return "`html` and `text` must be strings.";
  if (b.headers !== undefined) {
    if (!b.headers || typeof b.headers !== "object") return "`headers` must be an object.";
    if (Object.values(b.headers).some((v) => typeof v !== "string")) return "Header values must be strings.";
  }
  const allowed = new Set(["from", "to", "subject", "html", "text", "headers", "cc", "bcc", "reply_to", "tags"]);
  const unknown = Object.keys(b).find((k) => !allowed.has(k));
  return unknown ? `Unknown field \`${unknown}\`.` : null;
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

export default async function setup(project: TestProject) {
  const servers = [receiver(await loadFakes())];
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
