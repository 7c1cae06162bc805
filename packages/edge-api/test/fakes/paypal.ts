import { type Fake, headersOf, parseJson, perScope, type Reply, scoped, sendJson } from "./fake";

/**
 * A fake PayPal (https://api-m.paypal.com) for the Payouts adapter, at `/paypal/<name>/…` (one name per test):
 *
 * - `POST /v1/oauth2/token`: Basic `client id:secret` and the form body `grant_type=client_credentials`, as PayPal's
 *   OAuth reference has it; anything else gets PayPal's 401 `invalid_client`.
 * - `POST /v1/payments/payouts`: a Bearer token it issued, and the body checked against the create-payout reference
 *   (`sender_batch_header.sender_batch_id`, `items[]` with `recipient_type`, `amount.value` a decimal string and
 *   `amount.currency`, `receiver`, `sender_item_id`); a wrong shape gets 400 `VALIDATION_ERROR`. A `sender_batch_id`
 *   seen before gets 400 `USER_BUSINESS_ERROR` with a link to the original, as PayPal answers a duplicate. A reply
 *   queued with `PUT /paypal/<name>/_replies` answers instead (INSUFFICIENT_FUNDS, 503 …).
 * - `GET /v1/payments/payouts/{id}`: the batch with its item; its `transaction_status` is PENDING until a test sets it
 *   with `PUT /paypal/<name>/_settle` `{ "transaction_status": "SUCCESS", "errors"?: {…} }` (every batch of the name).
 * - `GET /paypal/<name>/_log`: every request that arrived (method, path, headers, parsed body).
 */
interface Batch {
  id: string;
  senderBatchId: string;
  item: Record<string, unknown>;
  status: string;
  errors?: unknown;
}

interface State {
  tokens: Set<string>;
  batches: Map<string, Batch>;
  replies: Reply[];
  settle: { transaction_status: string; errors?: unknown } | null;
  log: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
}

const state = perScope<State>(() => ({ tokens: new Set(), batches: new Map(), replies: [], settle: null, log: [] }));

let counter = 0;
const batchId = () => `5UXD2E8A7EBQ${(counter++).toString(36).toUpperCase().padStart(3, "0")}`;

function validation(issue: string, field: string) {
  return {
    name: "VALIDATION_ERROR",
    message: "Invalid request - see details",
    debug_id: "fake",
    information_link: "https://developer.paypal.com/docs/api/payments.payouts-batch/#errors",
    details: [{ field, location: "body", issue }],
  };
}

/** What is wrong with a create-payout body, by the reference; null if nothing. */
function payoutProblem(body: unknown): [string, string] | null {
  if (!body || typeof body !== "object") return ["MALFORMED_REQUEST_JSON", "body"];
  const b = body as { sender_batch_header?: Record<string, unknown>; items?: Record<string, unknown>[] };
  const header = b.sender_batch_header;
  if (!header || typeof header !== "object") return ["MISSING_REQUIRED_PARAMETER", "sender_batch_header"];
  if (typeof header.sender_batch_id !== "string" || header.sender_batch_id.length > 256) {
    return ["INVALID_PARAMETER_SYNTAX", "sender_batch_header.sender_batch_id"];
  }
  if (!Array.isArray(b.items) || b.items.length === 0 || b.items.length > 15_000) return ["INVALID_ITEMS", "items"];
  for (const item of b.items) {
    const type = item.recipient_type ?? header.recipient_type;
    if (!["EMAIL", "PHONE", "PAYPAL_ID"].includes(String(type))) return ["INVALID_RECIPIENT_TYPE", "recipient_type"];
    const amount = item.amount as { value?: unknown; currency?: unknown } | undefined;
    if (typeof amount?.value !== "string" || !/^\d+(\.\d{1,2})?$/.test(amount.value)) {
      return ["INVALID_PARAMETER_SYNTAX", "items[0].amount.value"];
    }
    if (typeof amount.currency !== "string" || !/^[A-Z]{3}$/.test(amount.currency)) {
      return ["INVALID_CURRENCY", "items[0].amount.currency"];
    }
    if (typeof item.receiver !== "string" || (type === "EMAIL" && !/^[^@\s]+@[^@\s]+$/.test(item.receiver))) {
      return ["INVALID_EMAIL", "items[0].receiver"];
    }
  }
  return null;
}

export default {
  prefix: "paypal",
  async handle(req, res, fullPath, raw) {
    const { name, path } = scoped(fullPath);
    const s = state(name);
    const headers = headersOf(req);
    const body = headers["content-type"]?.startsWith("application/json") ? parseJson(raw) : raw;
    if (!path.startsWith("/_")) s.log.push({ method: req.method ?? "", path, headers, body });

    if (path === "/_log") return sendJson(res, 200, s.log);
    if (path === "/_replies" && req.method === "PUT") {
      s.replies.push(...(parseJson(raw) as Reply[]));
      return sendJson(res, 204, null);
    }
    if (path === "/_settle" && req.method === "PUT") {
      s.settle = parseJson(raw) as State["settle"];
      return sendJson(res, 204, null);
    }

    if (path === "/v1/oauth2/token" && req.method === "POST") {
      const basic = /^Basic (.+)$/.exec(headers.authorization ?? "")?.[1];
      const [id, secret] = basic ? atob(basic).split(":") : [];
      if (!id || !secret || !headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
        return sendJson(res, 401, { error: "invalid_client", error_description: "Client Authentication failed" });
      }
      if (new URLSearchParams(raw).get("grant_type") !== "client_credentials") {
        return sendJson(res, 400, { error: "unsupported_grant_type", error_description: "Grant Type is NULL" });
      }
      const token = `A21AA${crypto.randomUUID().replaceAll("-", "")}`;
      s.tokens.add(token);
      return sendJson(res, 200, {
        scope: "https://uri.paypal.com/services/payments/payouts",
        access_token: token,
        token_type: "Bearer",
        app_id: "APP-80W284485P519543T",
        expires_in: 32400,
        nonce: "fake",
      });
    }

    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (!bearer || !s.tokens.has(bearer)) {
      return sendJson(res, 401, {
        error: "invalid_token",
        error_description: "Token signature verification failed",
      });
    }

    if (path === "/v1/payments/payouts" && req.method === "POST") {
      const reply = s.replies.shift();
      if (reply) return sendJson(res, reply.status, reply.body, reply.headers);
      if (!headers["content-type"]?.startsWith("application/json")) {
        return sendJson(res, 415, { name: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type must be application/json" });
      }
      const problem = payoutProblem(body);
      if (problem) return sendJson(res, 400, validation(problem[0], problem[1]));
      const b = body as { sender_batch_header: { sender_batch_id: string }; items: Record<string, unknown>[] };
      const senderBatchId = b.sender_batch_header.sender_batch_id;
      const existing = [...s.batches.values()].find((x) => x.senderBatchId === senderBatchId);
      if (existing) {
        return sendJson(res, 400, {
          name: "USER_BUSINESS_ERROR",
          message: "User business error.",
          debug_id: "fake",
          information_link: "https://developer.paypal.com/docs/api/payments.payouts-batch/#errors",
          details: [
            {
              field: "SENDER_BATCH_ID",
              location: "body",
              issue: `Batch with given sender_batch_id already exists: ${senderBatchId}`,
            },
          ],
          links: [
            {
              href: `https://api-m.sandbox.paypal.com/v1/payments/payouts/${existing.id}`,
              rel: "self",
              method: "GET",
              encType: "application/json",
            },
          ],
        });
      }
      const batch: Batch = { id: batchId(), senderBatchId, item: b.items[0] ?? {}, status: "PENDING" };
      s.batches.set(batch.id, batch);
      return sendJson(res, 201, {
        batch_header: {
          sender_batch_header: b.sender_batch_header,
          payout_batch_id: batch.id,
          batch_status: "PENDING",
        },
        links: [
          { href: `https://api-m.sandbox.paypal.com/v1/payments/payouts/${batch.id}`, rel: "self", method: "GET" },
        ],
      });
    }

    const get = /^\/v1\/payments\/payouts\/([^/]+)$/.exec(path);
    if (get && req.method === "GET") {
      const batch = s.batches.get(decodeURIComponent(get[1] ?? ""));
      if (!batch) {
        return sendJson(res, 404, {
          name: "INVALID_RESOURCE_ID",
          message: "Requested resource ID was not found.",
          debug_id: "fake",
        });
      }
      const itemStatus = s.settle?.transaction_status ?? "PENDING";
      const batchStatus = itemStatus === "PENDING" ? "PENDING" : "SUCCESS";
      return sendJson(res, 200, {
        batch_header: {
          payout_batch_id: batch.id,
          batch_status: batchStatus,
          sender_batch_header: { sender_batch_id: batch.senderBatchId },
          amount: batch.item.amount,
        },
        items: [
          {
            payout_item_id: `${batch.id}-1`,
            transaction_status: itemStatus,
            payout_batch_id: batch.id,
            payout_item: batch.item,
            ...(s.settle?.errors ? { errors: s.settle.errors } : {}),
          },
        ],
      });
    }
    return sendJson(res, 404, { name: "RESOURCE_NOT_FOUND", message: "The specified resource does not exist." });
  },
} satisfies Fake;
