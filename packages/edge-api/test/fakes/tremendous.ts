import { type Fake, headersOf, parseJson, perScope, type Reply, scoped, sendJson } from "./fake";

/**
 * A fake Tremendous (https://www.tremendous.com/api/v2) at `/tremendous/<name>/…`:
 *
 * - `POST /orders`: a Bearer key (`TEST_…` on testflight) and the create-order body of the reference (`payment.
 *   funding_source_id`, `reward.value.denomination` a number and `currency_code`, `reward.delivery.method`,
 *   `reward.recipient.email`, and `products` or `campaign_id`); a wrong shape gets 400 with Tremendous's
 *   `{ errors: { message, payload } }`. An `external_id` seen before answers 201 with the original order and creates
 *   nothing, as Tremendous documents; a new order answers 200, status EXECUTED. A reply queued with
 *   `PUT /tremendous/<name>/_replies` answers instead (402 insufficient funds, 429 …).
 * - `GET /orders/{id}`: the order.  `GET /tremendous/<name>/_log`: what arrived.
 */
interface State {
  orders: Map<string, Record<string, unknown>>;
  replies: Reply[];
  log: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
}
const state = perScope<State>(() => ({ orders: new Map(), replies: [], log: [] }));

function invalid(message: string, payload: unknown) {
  return { errors: { message, payload } };
}

function orderProblem(body: unknown): ReturnType<typeof invalid> | null {
  if (!body || typeof body !== "object") return invalid("Order failed: malformed JSON", {});
  const b = body as { payment?: { funding_source_id?: unknown }; reward?: Record<string, unknown> };
  if (typeof b.payment?.funding_source_id !== "string") {
    return invalid("Order failed: validation failure", {
      payment: { funding_source_id: "Your request was missing a funding_source_id." },
    });
  }
  const r = b.reward;
  if (!r) return invalid("Order failed: validation failure", { reward: "is missing" });
  const value = r.value as { denomination?: unknown; currency_code?: unknown } | undefined;
  if (typeof value?.denomination !== "number" || value.denomination <= 0 || typeof value.currency_code !== "string") {
    return invalid("Order failed: validation failure", {
      reward: { value: "denomination and currency_code required" },
    });
  }
  const recipient = r.recipient as { email?: unknown; name?: unknown } | undefined;
  if (typeof recipient?.email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(recipient.email)) {
    return invalid("Order failed: validation failure", { reward: { recipient: { email: "is invalid" } } });
  }
  if ((r.delivery as { method?: unknown } | undefined)?.method !== "EMAIL") {
    return invalid("Order failed: validation failure", { reward: { delivery: { method: "is invalid" } } });
  }
  const products = r.products as unknown[] | undefined;
  if (!(Array.isArray(products) && products.length > 0) && typeof r.campaign_id !== "string") {
    return invalid("Order failed: validation failure", { reward: "Either products or campaign_id must be specified" });
  }
  return null;
}

export default {
  prefix: "tremendous",
  async handle(req, res, fullPath, raw) {
    const { name, path } = scoped(fullPath);
    const s = state(name);
    const headers = headersOf(req);
    const body = parseJson(raw);
    if (path === "/_log") return sendJson(res, 200, s.log);
    if (path === "/_replies" && req.method === "PUT") {
      s.replies.push(...(body as Reply[]));
      return sendJson(res, 204, null);
    }
    s.log.push({ method: req.method ?? "", path, headers, body });
    if (!/^Bearer \S+$/.test(headers.authorization ?? "")) {
      return sendJson(res, 401, invalid("Unauthorized: API key is missing or invalid", {}));
    }
    if (path === "/orders" && req.method === "POST") {
      const reply = s.replies.shift();
      if (reply) return sendJson(res, reply.status, reply.body, reply.headers);
      const problem = orderProblem(body);
      if (problem) return sendJson(res, 400, problem);
      const b = body as { external_id?: string; reward: Record<string, unknown>; payment: unknown };
      const existing = b.external_id ? [...s.orders.values()].find((o) => o.external_id === b.external_id) : undefined;
      if (existing) return sendJson(res, 201, { order: existing });
      const id = `ORD${crypto.randomUUID().replaceAll("-", "").slice(0, 9).toUpperCase()}`;
      const order = {
        id,
        external_id: b.external_id ?? null,
        created_at: new Date().toISOString(),
        status: "EXECUTED",
        payment: { subtotal: (b.reward.value as { denomination: number }).denomination, fees: 0 },
        rewards: [
          {
            id: `RWD${id.slice(3)}`,
            order_id: id,
            value: b.reward.value,
            delivery: { method: "EMAIL", status: "SCHEDULED" },
          },
        ],
      };
      s.orders.set(id, order);
      return sendJson(res, 200, { order });
    }
    const get = /^\/orders\/([^/]+)$/.exec(path);
    if (get && req.method === "GET") {
      const order = s.orders.get(decodeURIComponent(get[1] ?? ""));
      return order ? sendJson(res, 200, { order }) : sendJson(res, 404, invalid("Resource not found", {}));
    }
    return sendJson(res, 404, invalid("Resource not found", {}));
  },
} satisfies Fake;
