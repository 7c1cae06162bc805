import type { Fake } from "./fake";
import { headersOf, parseJson, sendJson } from "./fake";

/**
 * A fake Postmark (`https://api.postmarkapp.com`), by its published reference (postmarkapp.com/developer:
 * user-guide/send-email-with-api, api/email-api, api/overview#error-codes), at `/postmark/<name>`:
 *
 * - `POST /postmark/<name>/email` checks the request is Postmark's: `X-Postmark-Server-Token` (else 401
 *   `{ ErrorCode: 10, Message }`), `Accept` and `Content-Type: application/json` (else 422 ErrorCode 409 "JSON
 *   required"), a body `{ From, To, Subject, HtmlBody and/or TextBody, Headers: [{ Name, Value }], MessageStream,
 *   Metadata }` with no unknown field (else 422 ErrorCode 300 "Invalid email request"); records it and answers
 *   with the next reply queued by `PUT /postmark/<name>/control` (`[{ "status": 422, "body": {…} }, …]`), then
 *   200 `{ To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK" }`.
 * - `GET /postmark/<name>/log` lists what arrived.
 */
interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const replies = new Map<string, Reply[]>();
const log = new Map<string, { headers: Record<string, string>; body: unknown }[]>();

const FIELDS = new Set([
  "From",
  "To",
  "Cc",
  "Bcc",
  "Subject",
  "Tag",
  "HtmlBody",
  "TextBody",
  "ReplyTo",
  "Headers",
  "TrackOpens",
  "TrackLinks",
  "Metadata",
  "Attachments",
  "MessageStream",
]);

function problem(body: unknown): string | null {
  if (!body || typeof body !== "object") return "Invalid JSON";
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !FIELDS.has(k));
  if (unknown) return `Unknown field '${unknown}'.`;
  if (typeof b.From !== "string" || !/^(.+ )?<?[^@\s<>]+@[^@\s<>]+>?$/.test(b.From)) return "Invalid 'From' address.";
  if (typeof b.To !== "string" || !b.To.includes("@") || b.To.split(",").length > 50) return "Invalid 'To' address.";
  if (typeof b.Subject !== "string") return "Invalid 'Subject'.";
  if (typeof b.HtmlBody !== "string" && typeof b.TextBody !== "string")
    return "Provide either email TextBody or HtmlBody or both.";
  if (b.Headers !== undefined) {
    const ok =
      Array.isArray(b.Headers) &&
      b.Headers.every(
        (h) =>
          h &&
          typeof h === "object" &&
          typeof (h as { Name?: unknown }).Name === "string" &&
          typeof (h as { Value?: unknown }).Value === "string" &&
          Object.keys(h).length === 2,
      );
    if (!ok) return "Headers must be a list of { Name, Value }.";
  }
  if (b.MessageStream !== undefined && typeof b.MessageStream !== "string") return "Invalid 'MessageStream'.";
  if (b.Metadata !== undefined) {
    const m = b.Metadata;
    if (!m || typeof m !== "object" || Object.values(m).some((v) => typeof v !== "string"))
      return "Invalid 'Metadata'.";
  }
  return null;
}

const fake: Fake = {
  prefix: "postmark",
  handle(req, res, path, raw) {
    const [, name = "", action = ""] = path.split("/");
    if (action === "control" && req.method === "PUT") {
      replies.set(name, parseJson(raw) as Reply[]);
      return sendJson(res, 204, null);
    }
    if (action === "log") return sendJson(res, 200, log.get(name) ?? []);
    if (action !== "email" || req.method !== "POST")
      return sendJson(res, 404, { ErrorCode: 404, Message: "Not found" });
    const headers = headersOf(req);
    const body = parseJson(raw);
    log.set(name, [...(log.get(name) ?? []), { headers, body }]);
    if (!headers["x-postmark-server-token"]) {
      return sendJson(res, 401, {
        ErrorCode: 10,
        Message: "No Account or Server API tokens were supplied in the HTTP headers.",
      });
    }
    if (!(headers["content-type"] ?? "").startsWith("application/json") || headers.accept !== "application/json") {
      return sendJson(res, 422, { ErrorCode: 409, Message: "JSON required" });
    }
    const wrong = problem(body);
    if (wrong) return sendJson(res, 422, { ErrorCode: 300, Message: wrong });
    const reply = replies.get(name)?.shift();
    if (reply) return sendJson(res, reply.status, reply.body, reply.headers);
    sendJson(res, 200, {
      To: (body as { To: string }).To,
      SubmittedAt: new Date().toISOString(),
      MessageID: crypto.randomUUID(),
      ErrorCode: 0,
      Message: "OK",
    });
  },
};

export default fake;
