import type { IncomingMessage, ServerResponse } from "node:http";
import { type Fake, headersOf, parseJson, perScope, scoped, sendJson } from "./fake";

/**
 * A fake Salesforce org (its My Domain, `https://acme.my.salesforce.com`) at `/salesforce/<name>/…`, per
 * Salesforce's references:
 *
 * - `POST /services/oauth2/token`, form-encoded `grant_type=client_credentials&client_id&client_secret` → `{
 *   access_token, instance_url, token_type: "Bearer", issued_at, signature }`; a wrong client is `400 { error:
 *   "invalid_client", error_description: "invalid client credentials" }`.
 * - `GET /services/data/v62.0/query?q=SELECT Id FROM Contact WHERE Email = '…' …` → `{ totalSize, done, records }`.
 * - `PATCH /services/data/v62.0/sobjects/Contact/{id}` → 204; `PATCH …/sobjects/Lead/{id}` → 204;
 *   `PATCH …/sobjects/Lead/Vouch_Referral_Id__c/{value}` → 201 `{ id, success, errors, created: true }` or 200
 *   `{ …, created: false }`; a missing LastName/Company is `400 REQUIRED_FIELD_MISSING`, an unknown field `400
 *   INVALID_FIELD`.
 * - An unknown or expired token: `401 [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]`.
 *
 * Test control: `PUT /salesforce/<name>/_setup` `{ client_id, client_secret, contacts: [{ Id, Email }] }`;
 * `POST /salesforce/<name>/_expire` expires every token issued so far; `PUT /salesforce/<name>/_replies` queues
 * failure answers (`[{ route: "PATCH /services/data/v62.0/sobjects/Lead", status: 503, body, headers }]`);
 * `GET /salesforce/<name>/_log` and `GET /salesforce/<name>/_state` (leads, contacts).
 */
interface Reply {
  route: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Org {
  clientId: string;
  clientSecret: string;
  tokens: Set<string>;
  issued: number;
  replies: Reply[];
  log: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  contacts: Map<string, Record<string, string>>;
  leads: Map<string, Record<string, string>>;
}

const CUSTOM = new Set([
  "Vouch_Referral_Id__c",
  "Vouch_Referral_Code__c",
  "Vouch_Referrer_Name__c",
  "Vouch_Referrer_Email__c",
  "Vouch_Referral_Status__c",
]);
const LEAD_FIELDS = new Set(["FirstName", "LastName", "Company", "Email", "LeadSource", ...CUSTOM]);
const org = perScope<Org>(() => ({
  clientId: "",
  clientSecret: "",
  tokens: new Set(),
  issued: 0,
  replies: [],
  log: [],
  contacts: new Map(),
  leads: new Map(),
}));

const sfError = (res: ServerResponse, status: number, errorCode: string, message: string, fields: string[] = []) =>
  sendJson(res, status, [{ message, errorCode, fields }]);

function badField(fields: Record<string, unknown>, allowed: Set<string>, type: string, res: ServerResponse) {
  const bad = Object.keys(fields).find((k) => !allowed.has(k));
  if (bad) {
    sfError(res, 400, "INVALID_FIELD", `No such column '${bad}' on sobject of type ${type}`);
    return true;
  }
  return false;
}

const fake: Fake = {
  prefix: "salesforce",
  handle(req, res, fullPath, raw) {
    answer(req, res, fullPath, raw);
  },
};

function answer(req: IncomingMessage, res: ServerResponse, fullPath: string, raw: string): unknown {
  {
    const { name, path, url } = scoped(fullPath);
    const o = org(name);
    const method = req.method ?? "GET";
    if (path === "/_setup" && method === "PUT") {
      const s = JSON.parse(raw) as { client_id: string; client_secret: string; contacts?: Record<string, string>[] };
      o.clientId = s.client_id;
      o.clientSecret = s.client_secret;
      for (const c of s.contacts ?? []) o.contacts.set(c.Id as string, c);
      return sendJson(res, 204, null);
    }
    if (path === "/_expire" && method === "POST") {
      o.tokens.clear();
      return sendJson(res, 204, null);
    }
    if (path === "/_replies" && method === "PUT") {
      o.replies.push(...(JSON.parse(raw) as Reply[]));
      return sendJson(res, 204, null);
    }
    if (path === "/_log") return sendJson(res, 200, o.log);
    if (path === "/_state") {
      return sendJson(res, 200, { leads: Object.fromEntries(o.leads), contacts: Object.fromEntries(o.contacts) });
    }

    const headers = headersOf(req);
    const json = parseJson(raw);
    o.log.push({ method, path: `${path}${url.search}`, headers, body: json ?? raw });
    const route = `${method} ${path}`;
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (route !== "POST /services/oauth2/token" && (!token || !o.tokens.has(token))) {
      return sfError(res, 401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    const i = o.replies.findIndex((r) => route.startsWith(r.route));
    if (i >= 0) {
      const [reply] = o.replies.splice(i, 1) as [Reply];
      res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
      return res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    }

    if (route === "POST /services/oauth2/token") {
      if (!(headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
        return sendJson(res, 400, {
          error: "invalid_request",
          error_description: "must use application/x-www-form-urlencoded",
        });
      }
      const form = new URLSearchParams(raw);
      if (form.get("grant_type") !== "client_credentials") {
        return sendJson(res, 400, { error: "unsupported_grant_type", error_description: "grant type not supported" });
      }
      if (form.get("client_id") !== o.clientId || form.get("client_secret") !== o.clientSecret) {
        return sendJson(res, 400, { error: "invalid_client", error_description: "invalid client credentials" });
      }
      o.issued += 1;
      const token = `00D5e000000KQ2e!AQ${o.issued}x${crypto.randomUUID().replace(/-/g, "")}`;
      o.tokens.add(token);
      return sendJson(res, 200, {
        access_token: token,
        signature: "nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=",
        token_format: "opaque",
        instance_url: `http://${headers.host}/salesforce/${name}`,
        id: "https://login.salesforce.com/id/00D5e000000KQ2eEAG/0055e000001AbCdAAK",
        token_type: "Bearer",
        issued_at: String(Date.now()),
      });
    }
    if (raw && !(headers["content-type"] ?? "").startsWith("application/json")) {
      return sfError(res, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
    }
    const fields = (json ?? {}) as Record<string, string>;

    if (route === "GET /services/data/v62.0/query") {
      const q = url.searchParams.get("q") ?? "";
      const m = /^SELECT Id FROM Contact WHERE Email = '((?:[^'\\]|\\.)*)'/.exec(q);
      if (!m) return sfError(res, 400, "MALFORMED_QUERY", `unexpected query: ${q}`);
      const email = (m[1] as string).replace(/\\(.)/g, "$1").toLowerCase();
      const records = [...o.contacts.values()]
        .filter((c) => c.Email?.toLowerCase() === email)
        .map((c) => ({
          attributes: { type: "Contact", url: `/services/data/v62.0/sobjects/Contact/${c.Id}` },
          Id: c.Id,
        }));
      return sendJson(res, 200, { totalSize: records.length, done: true, records });
    }
    const contact = /^PATCH \/services\/data\/v62\.0\/sobjects\/Contact\/(\w+)$/.exec(route);
    if (contact) {
      const current = o.contacts.get(contact[1] as string);
      if (!current) return sfError(res, 404, "NOT_FOUND", "The requested resource does not exist");
      if (badField(fields, CUSTOM, "Contact", res)) return;
      o.contacts.set(contact[1] as string, { ...current, ...fields });
      res.writeHead(204);
      return res.end();
    }
    const upsert = /^PATCH \/services\/data\/v62\.0\/sobjects\/Lead\/Vouch_Referral_Id__c\/([\w-]+)$/.exec(route);
    if (upsert) {
      if (badField(fields, LEAD_FIELDS, "Lead", res)) return;
      const key = upsert[1] as string;
      const existing = [...o.leads].find(([, l]) => l.Vouch_Referral_Id__c === key);
      if (existing) {
        o.leads.set(existing[0], { ...existing[1], ...fields });
        return sendJson(res, 200, { id: existing[0], success: true, errors: [], created: false });
      }
      const missing = ["LastName", "Company"].filter((f) => !fields[f]);
      if (missing.length > 0) {
        return sfError(
          res,
          400,
          "REQUIRED_FIELD_MISSING",
          `Required fields are missing: [${missing.join(", ")}]`,
          missing,
        );
      }
      const id = `00Q5e00000${String(o.leads.size + 1).padStart(8, "0")}`;
      o.leads.set(id, { ...fields, Vouch_Referral_Id__c: key, Id: id });
      return sendJson(res, 201, { id, success: true, errors: [], created: true });
    }
    const lead = /^PATCH \/services\/data\/v62\.0\/sobjects\/Lead\/(\w+)$/.exec(route);
    if (lead) {
      const current = o.leads.get(lead[1] as string);
      if (!current) return sfError(res, 404, "NOT_FOUND", "The requested resource does not exist");
      if (badField(fields, LEAD_FIELDS, "Lead", res)) return;
      o.leads.set(lead[1] as string, { ...current, ...fields });
      res.writeHead(204);
      return res.end();
    }
    return sfError(res, 404, "NOT_FOUND", `The requested resource does not exist: ${route}`);
  }
}

export default fake;
