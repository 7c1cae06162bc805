import type { IncomingMessage, ServerResponse } from "node:http";
import { type Fake, headersOf, parseJson, perScope, scoped, sendJson } from "./fake";

/**
 * A fake HubSpot API (`https://api.hubapi.com`) at `/hubspot/<name>/…`, per HubSpot's CRM v3 reference:
 *
 * - `POST /crm/v3/properties/contacts/groups` `{ name, label, displayOrder }` → 201; 409 when it exists.
 * - `POST /crm/v3/properties/contacts` `{ name, label, type, fieldType, groupName }` → 201; 409 when it exists;
 *   400 when the group does not exist.
 * - `POST /crm/v3/objects/contacts/search` `{ filterGroups: [{ filters: [{ propertyName, operator, value }] }] }`
 *   → `{ total, results: [{ id, properties }] }`.
 * - `POST /crm/v3/objects/contacts` `{ properties }` → 201 `{ id, properties }`; 409 "Contact already exists.
 *   Existing ID: …" for a known email; 400 VALIDATION_ERROR for a property that does not exist.
 * - `PATCH /crm/v3/objects/contacts/{id}` `{ properties }` → 200; 404 for an unknown id.
 * - `GET /crm/v3/objects/deals/{id}?properties=…&associations=contacts` and `POST
 *   /crm/v3/objects/contacts/batch/read` `{ properties, inputs: [{ id }] }`.
 *
 * Every call needs `Authorization: Bearer pat-…` (401 INVALID_AUTHENTICATION otherwise). Test control:
 * `PUT /hubspot/<name>/_replies` `[{ "route": "POST /crm/v3/objects/contacts/search", "status": 429, "headers":
 * {…}, "body": {…} }]` answers the next matching calls so (HubSpot's failure answers); `PUT
 * /hubspot/<name>/_deals` seeds deals `[{ id, properties, contacts: [contact ids] }]`, `PUT
 * /hubspot/<name>/_contacts` seeds contacts `[{ id, properties }]`; `GET /hubspot/<name>/_log` lists the calls
 * and `GET /hubspot/<name>/_state` the contacts and properties.
 */
interface Reply {
  route: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Portal {
  replies: Reply[];
  log: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  groups: Set<string>;
  properties: Set<string>;
  contacts: Map<string, Record<string, string>>;
  deals: Map<string, { properties: Record<string, string | null>; contacts: string[] }>;
  nextId: number;
}

const STANDARD = new Set(["email", "firstname", "lastname", "company", "lifecyclestage", "phone"]);
const portal = perScope<Portal>(() => ({
  replies: [],
  log: [],
  groups: new Set(),
  properties: new Set(),
  contacts: new Map(),
  deals: new Map(),
  nextId: 501,
}));

const correlationId = () => crypto.randomUUID();
function error(res: ServerResponse, status: number, category: string, message: string, extra: object = {}) {
  sendJson(res, status, { status: "error", message, correlationId: correlationId(), category, ...extra });
}

function unknownProperty(p: Portal, properties: Record<string, unknown>): string | null {
  return Object.keys(properties).find((k) => !STANDARD.has(k) && !p.properties.has(k)) ?? null;
}

const fake: Fake = {
  prefix: "hubspot",
  handle(req, res, fullPath, raw) {
    answer(req, res, fullPath, raw);
  },
};

function answer(req: IncomingMessage, res: ServerResponse, fullPath: string, raw: string): unknown {
  {
    const { name, path, url } = scoped(fullPath);
    const p = portal(name);
    const method = req.method ?? "GET";
    if (path === "/_replies" && method === "PUT") {
      p.replies.push(...(JSON.parse(raw) as Reply[]));
      return sendJson(res, 204, null);
    }
    if (path === "/_deals" && method === "PUT") {
      for (const d of JSON.parse(raw) as {
        id: string;
        properties: Record<string, string | null>;
        contacts: string[];
      }[]) {
        p.deals.set(d.id, { properties: d.properties, contacts: d.contacts });
      }
      return sendJson(res, 204, null);
    }
    if (path === "/_contacts" && method === "PUT") {
      for (const c of JSON.parse(raw) as { id: string; properties: Record<string, string> }[]) {
        p.contacts.set(c.id, c.properties);
      }
      return sendJson(res, 204, null);
    }
    if (path === "/_log") return sendJson(res, 200, p.log);
    if (path === "/_state") {
      return sendJson(res, 200, {
        groups: [...p.groups],
        properties: [...p.properties],
        contacts: Object.fromEntries(p.contacts),
      });
    }

    const headers = headersOf(req);
    const body = parseJson(raw);
    p.log.push({ method, path: `${path}${url.search}`, headers, body: body ?? raw });
    if (!/^Bearer pat-[a-z0-9]+-[\w-]+$/.test(headers.authorization ?? "")) {
      return error(res, 401, "INVALID_AUTHENTICATION", "Authentication credentials not found.");
    }
    if (raw && !(headers["content-type"] ?? "").startsWith("application/json")) {
      return error(res, 415, "VALIDATION_ERROR", "Content-Type must be application/json");
    }
    const route = `${method} ${path}`;
    const i = p.replies.findIndex((r) => route.startsWith(r.route));
    if (i >= 0) {
      const [reply] = p.replies.splice(i, 1) as [Reply];
      res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
      return res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    }
    const b = (body ?? {}) as Record<string, any>;

    if (route === "POST /crm/v3/properties/contacts/groups") {
      if (typeof b.name !== "string" || typeof b.label !== "string") {
        return error(res, 400, "VALIDATION_ERROR", "name and label are required");
      }
      if (p.groups.has(b.name))
        return error(res, 409, "OBJECT_ALREADY_EXISTS", `Group named '${b.name}' already exists.`);
      p.groups.add(b.name);
      return sendJson(res, 201, { name: b.name, label: b.label, displayOrder: b.displayOrder ?? -1, archived: false });
    }
    if (route === "POST /crm/v3/properties/contacts") {
      for (const f of ["name", "label", "type", "fieldType", "groupName"]) {
        if (typeof b[f] !== "string") return error(res, 400, "VALIDATION_ERROR", `${f} is required`);
      }
      if (!p.groups.has(b.groupName)) return error(res, 400, "VALIDATION_ERROR", `group ${b.groupName} does not exist`);
      if (b.type === "string" && !["text", "textarea"].includes(b.fieldType)) {
        return error(res, 400, "VALIDATION_ERROR", "fieldType does not go with type string");
      }
      if (p.properties.has(b.name)) {
        return error(res, 409, "OBJECT_ALREADY_EXISTS", `Property named '${b.name}' already exists.`);
      }
      p.properties.add(b.name);
      return sendJson(res, 201, { ...b, hidden: false, formField: false });
    }
    if (route === "POST /crm/v3/objects/contacts/search") {
      const filter = b.filterGroups?.[0]?.filters?.[0];
      if (!filter || typeof filter.propertyName !== "string" || typeof filter.operator !== "string") {
        return error(res, 400, "VALIDATION_ERROR", "Invalid input JSON on line 1");
      }
      const results = [...p.contacts]
        .filter(
          ([, props]) =>
            filter.operator === "EQ" &&
            (props[filter.propertyName] ?? "").toLowerCase() === String(filter.value).toLowerCase(),
        )
        .slice(0, b.limit ?? 10)
        .map(([id, props]) => ({ id, properties: { email: props.email, hs_object_id: id } }));
      return sendJson(res, 200, { total: results.length, results });
    }
    if (route === "POST /crm/v3/objects/contacts") {
      const props = b.properties as Record<string, string> | undefined;
      if (!props || typeof props !== "object") return error(res, 400, "VALIDATION_ERROR", "properties is required");
      const bad = unknownProperty(p, props);
      if (bad) {
        return error(res, 400, "VALIDATION_ERROR", "Property values were not valid", {
          errors: [{ message: `Property "${bad}" does not exist`, code: "PROPERTY_DOESNT_EXIST" }],
        });
      }
      const existing = [...p.contacts].find(([, c]) => c.email?.toLowerCase() === props.email?.toLowerCase());
      if (existing) return error(res, 409, "CONFLICT", `Contact already exists. Existing ID: ${existing[0]}`);
      const id = String(p.nextId++);
      p.contacts.set(id, { ...props });
      return sendJson(res, 201, { id, properties: props, archived: false });
    }
    const patch = /^PATCH \/crm\/v3\/objects\/contacts\/(\d+)$/.exec(route);
    if (patch) {
      const id = patch[1] as string;
      const current = p.contacts.get(id);
      if (!current) return error(res, 404, "OBJECT_NOT_FOUND", "resource not found");
      const props = (b.properties ?? {}) as Record<string, string>;
      const bad = unknownProperty(p, props);
      if (bad) return error(res, 400, "VALIDATION_ERROR", `Property "${bad}" does not exist`);
      p.contacts.set(id, { ...current, ...props });
      return sendJson(res, 200, { id, properties: p.contacts.get(id), archived: false });
    }
    const deal = /^GET \/crm\/v3\/objects\/deals\/(\d+)$/.exec(route);
    if (deal) {
      const d = p.deals.get(deal[1] as string);
      if (!d) return error(res, 404, "OBJECT_NOT_FOUND", "resource not found");
      const wanted = (url.searchParams.get("properties") ?? "").split(",").filter(Boolean);
      const properties = Object.fromEntries(wanted.map((k) => [k, d.properties[k] ?? null]));
      const withContacts = url.searchParams.get("associations") === "contacts";
      return sendJson(res, 200, {
        id: deal[1],
        properties: { ...properties, hs_object_id: deal[1] },
        ...(withContacts && d.contacts.length > 0
          ? { associations: { contacts: { results: d.contacts.map((id) => ({ id, type: "deal_to_contact" })) } } }
          : {}),
      });
    }
    if (route === "POST /crm/v3/objects/contacts/batch/read") {
      if (!Array.isArray(b.inputs)) return error(res, 400, "VALIDATION_ERROR", "inputs is required");
      const wanted = (b.properties ?? []) as string[];
      const results = (b.inputs as { id: string }[])
        .filter((i) => p.contacts.has(String(i.id)))
        .map((i) => {
          const c = p.contacts.get(String(i.id)) as Record<string, string>;
          return { id: String(i.id), properties: Object.fromEntries(wanted.map((k) => [k, c[k] ?? null])) };
        });
      return sendJson(res, 200, {
        status: "COMPLETE",
        results,
        startedAt: new Date().toISOString(),
        completedAt: new Date().toISOString(),
      });
    }
    return error(res, 404, "OBJECT_NOT_FOUND", `No route for ${route}`);
  }
}

export default fake;
