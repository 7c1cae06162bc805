import { type Fake, headersOf, parseJson, perScope, type Reply, scoped, sendJson } from "./fake";

/**
 * A fake Wise (https://api.wise.com) at `/wise/<name>/…`, the four calls of a balance payout to an email recipient:
 *
 * - `POST /v3/profiles/{profileId}/quotes` `{ sourceCurrency, targetCurrency, targetAmount | sourceAmount }` → `{ id }`.
 * - `POST /v1/accounts` `{ profile, accountHolderName, currency, type: "email", details: { email } }` → `{ id }`;
 *   a bad address gets Wise's 422 `{ errors: [{ code: "NOT_VALID", message, path: "email" }] }`.
 * - `POST /v1/transfers` `{ targetAccount, quoteUuid, customerTransactionId (a UUID) }` → `{ id, status:
 *   "incoming_payment_waiting" }`; the same `customerTransactionId` again returns the same transfer.
 * - `POST /v3/profiles/{profileId}/transfers/{id}/payments` `{ type: "BALANCE" }` → `{ type, status: "COMPLETED",
 *   errorCode: null }` (the transfer moves to `processing`), or, when a test set `PUT /wise/<name>/_balance`
 *   `{ "insufficient": true }`, `{ status: "REJECTED", errorCode: "transfer.insufficient_funds" }`.
 * - `GET /v1/transfers/{id}`: the transfer; `PUT /wise/<name>/_settle` `{ "status": "outgoing_payment_sent" }` sets
 *   every transfer's status. Replies queued with `PUT /wise/<name>/_replies` answer the next POST instead.
 * Every call needs `Authorization: Bearer <token>` (else 401 `{ error: "invalid_token" }`).
 */
interface Transfer {
  id: number;
  customerTransactionId: string;
  status: string;
  targetAccount: number;
  quoteUuid: string;
}
interface State {
  transfers: Map<number, Transfer>;
  quotes: Set<string>;
  accounts: Set<number>;
  insufficient: boolean;
  replies: Reply[];
  log: { method: string; path: string; body: unknown }[];
}
const state = perScope<State>(() => ({
  transfers: new Map(),
  quotes: new Set(),
  accounts: new Set(),
  insufficient: false,
  replies: [],
  log: [],
}));
let next = 50_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notValid = (path: string, message: string) => ({ errors: [{ code: "NOT_VALID", message, path, arguments: [] }] });

export default {
  prefix: "wise",
  async handle(req, res, fullPath, raw) {
    const { name, path } = scoped(fullPath);
    const s = state(name);
    const headers = headersOf(req);
    const body = parseJson(raw) as Record<string, unknown> | undefined;
    if (path === "/_log") return sendJson(res, 200, s.log);
    if (path === "/_replies" && req.method === "PUT") {
      s.replies.push(...(body as unknown as Reply[]));
      return sendJson(res, 204, null);
    }
    if (path === "/_balance" && req.method === "PUT") {
      s.insufficient = Boolean(body?.insufficient);
      return sendJson(res, 204, null);
    }
    if (path === "/_settle" && req.method === "PUT") {
      for (const t of s.transfers.values()) t.status = String(body?.status);
      return sendJson(res, 204, null);
    }
    s.log.push({ method: req.method ?? "", path, body });
    if (!/^Bearer \S+$/.test(headers.authorization ?? "")) return sendJson(res, 401, { error: "invalid_token" });
    if (req.method === "POST") {
      const reply = s.replies.shift();
      if (reply) return sendJson(res, reply.status, reply.body, reply.headers);
      if (!headers["content-type"]?.startsWith("application/json") || !body) {
        return sendJson(res, 415, { errors: [{ code: "UNSUPPORTED_MEDIA_TYPE", message: "JSON expected" }] });
      }
    }
    if (/^\/v3\/profiles\/\d+\/quotes$/.test(path) && req.method === "POST") {
      if (typeof body?.sourceCurrency !== "string" || typeof body.targetCurrency !== "string") {
        return sendJson(res, 422, notValid("sourceCurrency", "currencies are required"));
      }
      if (typeof body.targetAmount !== "number" && typeof body.sourceAmount !== "number") {
        return sendJson(res, 422, notValid("targetAmount", "targetAmount or sourceAmount is required"));
      }
      const id = crypto.randomUUID();
      s.quotes.add(id);
      return sendJson(res, 200, {
        id,
        sourceCurrency: body.sourceCurrency,
        targetCurrency: body.targetCurrency,
        rate: 1,
      });
    }
    if (path === "/v1/accounts" && req.method === "POST") {
      const details = body?.details as { email?: unknown } | undefined;
      if (body?.type !== "email" || typeof body.accountHolderName !== "string" || typeof body.currency !== "string") {
        return sendJson(res, 422, notValid("type", "type, accountHolderName and currency are required"));
      }
      if (typeof details?.email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(details.email)) {
        return sendJson(res, 422, notValid("email", "Please specify a valid email address."));
      }
      const id = next++;
      s.accounts.add(id);
      return sendJson(res, 200, { id, type: "email", currency: body.currency, details });
    }
    if (path === "/v1/transfers" && req.method === "POST") {
      const cti = String(body?.customerTransactionId ?? "");
      if (!UUID.test(cti)) return sendJson(res, 422, notValid("customerTransactionId", "must be a UUID"));
      if (!s.quotes.has(String(body?.quoteUuid))) return sendJson(res, 422, notValid("quoteUuid", "Quote not found"));
      if (!s.accounts.has(Number(body?.targetAccount))) {
        return sendJson(res, 422, notValid("targetAccount", "Recipient not found"));
      }
      const existing = [...s.transfers.values()].find((t) => t.customerTransactionId === cti);
      if (existing) return sendJson(res, 200, existing);
      const t: Transfer = {
        id: next++,
        customerTransactionId: cti,
        status: "incoming_payment_waiting",
        targetAccount: Number(body?.targetAccount),
        quoteUuid: String(body?.quoteUuid),
      };
      s.transfers.set(t.id, t);
      return sendJson(res, 200, t);
    }
    const fund = /^\/v3\/profiles\/\d+\/transfers\/(\d+)\/payments$/.exec(path);
    if (fund && req.method === "POST") {
      const t = s.transfers.get(Number(fund[1]));
      if (!t) return sendJson(res, 404, { errors: [{ code: "transfer.not-found", message: "Transfer not found" }] });
      if (body?.type !== "BALANCE") return sendJson(res, 422, notValid("type", "type must be BALANCE"));
      if (s.insufficient) {
        return sendJson(res, 200, { type: "BALANCE", status: "REJECTED", errorCode: "transfer.insufficient_funds" });
      }
      t.status = "processing";
      return sendJson(res, 201, { type: "BALANCE", status: "COMPLETED", errorCode: null });
    }
    const get = /^\/v1\/transfers\/(\d+)$/.exec(path);
    if (get && req.method === "GET") {
      const t = s.transfers.get(Number(get[1]));
      return t ? sendJson(res, 200, t) : sendJson(res, 404, { errors: [{ code: "transfer.not-found" }] });
    }
    return sendJson(res, 404, { errors: [{ code: "NOT_FOUND", message: "No such route" }] });
  },
} satisfies Fake;
