import { hmacSha256, timingSafeEqual } from "../../lib/crypto";
import { call, failure, SyncFailure } from "./http";
import type { HubSpotCredentials } from "./settings";

/**
 * HubSpot's side, by its published references:
 *
 * - Signatures (developers.hubspot.com, "Validating requests", v3): `X-HubSpot-Signature-v3` is
 *   base64(HMAC-SHA256(client secret, method + URI + body + X-HubSpot-Request-Timestamp)), the URI with
 *   HubSpot's list of URL-encoded characters decoded; a timestamp older than 5 minutes is refused.
 * - Contacts (CRM v3): `POST /crm/v3/objects/contacts/search` with `filterGroups` (email EQ), `POST
 *   /crm/v3/objects/contacts` to create (409 "Contact already exists. Existing ID: …" when it does), `PATCH
 *   /crm/v3/objects/contacts/{id}` to update only the properties sent.
 * - Properties: `POST /crm/v3/properties/contacts/groups` and `POST /crm/v3/properties/contacts` (409 when they
 *   exist already).
 * - Deals: `GET /crm/v3/objects/deals/{id}?properties=…&associations=contacts`; contacts by id: `POST
 *   /crm/v3/objects/contacts/batch/read`.
 * - Auth: a private app's access token, `Authorization: Bearer pat-…`. Rate limits: 429 with `errorType:
 *   RATE_LIMIT`, `Retry-After` or the `X-HubSpot-RateLimit-*` headers.
 */
export const HUBSPOT_API = "https://api.hubapi.com";
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** The property group and contact properties Vouch writes; nothing else of a contact is ever updated. */
export const VOUCH_GROUP = { name: "vouch", label: "Vouch referrals", displayOrder: -1 };
export const VOUCH_PROPERTIES = [
  { name: "vouch_referral_id", label: "Vouch referral id" },
  { name: "vouch_referral_code", label: "Referral code" },
  { name: "vouch_referrer_name", label: "Referred by (name)" },
  { name: "vouch_referrer_email", label: "Referred by (email)" },
  { name: "vouch_referral_status", label: "Referral status" },
] as const;

const DECODE: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

export function signatureUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()] ?? m);
}

export async function hubspotSignature(
  secret: string,
  method: string,
  url: string,
  body: string,
  timestamp: string,
): Promise<string> {
  const mac = await hmacSha256(secret, `${method}${signatureUri(url)}${body}${timestamp}`);
  let bin = "";
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Null when the request is HubSpot's; otherwise why not. */
export async function verifyHubSpot(
  secret: string,
  req: { method: string; url: string; body: string; signature?: string; timestamp?: string },
  now: number,
): Promise<string | null> {
  if (!req.signature || !req.timestamp) return "X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp is missing";
  const ts = Number(req.timestamp);
  if (!Number.isFinite(ts)) return "X-HubSpot-Request-Timestamp is not a number (milliseconds)";
  if (now - ts > SIGNATURE_TOLERANCE_MS) return "the request is older than 5 minutes (X-HubSpot-Request-Timestamp)";
  if (ts - now > SIGNATURE_TOLERANCE_MS) return "X-HubSpot-Request-Timestamp is in the future";
  const expected = await hubspotSignature(secret, req.method, req.url, req.body, req.timestamp);
  return timingSafeEqual(expected, req.signature) ? null : "the signature does not match the saved client secret";
}

export class HubSpotClient {
  constructor(
    private readonly base: string,
    private readonly credentials: HubSpotCredentials,
  ) {}

  private request(method: string, path: string, body?: unknown) {
    return call(`${this.base.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.credentials.access_token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** The Vouch group and properties, created once per portal (409: they exist already, which is fine). */
  async ensureSchema(): Promise<void> {
    const group = await this.request("POST", "/crm/v3/properties/contacts/groups", VOUCH_GROUP);
    if (group.status !== 201 && group.status !== 200 && group.status !== 409) {
      throw failure("creating the Vouch property group", group);
    }
    for (const [i, p] of VOUCH_PROPERTIES.entries()) {
      const res = await this.request("POST", "/crm/v3/properties/contacts", {
        name: p.name,
        label: p.label,
        type: "string",
        fieldType: "text",
        groupName: VOUCH_GROUP.name,
        displayOrder: i,
        description: "Written by Vouch. Edits are overwritten at the next sync.",
      });
      if (res.status !== 201 && res.status !== 200 && res.status !== 409) {
        throw failure(`creating the ${p.name} property`, res);
      }
    }
  }

  /** Creates the contact with `create` + `vouch`, or updates only `vouch` on the one with this email. */
  async upsertContact(
    email: string,
    create: Record<string, string>,
    vouch: Record<string, string>,
    knownId: string | null,
  ): Promise<{ id: string; action: "created" | "updated" }> {
    let id = knownId;
    if (!id) {
      const search = await this.request("POST", "/crm/v3/objects/contacts/search", {
        filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: email }] }],
        properties: ["email"],
        limit: 1,
      });
      if (search.status !== 200) throw failure("searching the contact by email", search);
      id = ((search.body as { results?: { id: string }[] })?.results ?? [])[0]?.id ?? null;
    }
    if (!id) {
      const created = await this.request("POST", "/crm/v3/objects/contacts", {
        properties: { email, ...create, ...vouch },
      });
      if (created.status === 201 || created.status === 200) {
        return { id: String((created.body as { id: string }).id), action: "created" };
      }
      // Search is eventually consistent: a contact made seconds ago may be missing from it. HubSpot names it.
      const existing = /Existing ID: ?(\d+)/.exec(String((created.body as { message?: string })?.message ?? ""));
      if (created.status !== 409 || !existing?.[1]) throw failure("creating the contact", created);
      id = existing[1];
    }
    const updated = await this.request("PATCH", `/crm/v3/objects/contacts/${encodeURIComponent(id)}`, {
      properties: vouch,
    });
    if (updated.status === 404 && knownId) return this.upsertContact(email, create, vouch, null); // merged or deleted
    if (updated.status !== 200) throw failure("updating the contact", updated);
    return { id, action: "updated" };
  }

  async readDeal(id: string) {
    const res = await this.request(
      "GET",
      `/crm/v3/objects/deals/${encodeURIComponent(id)}?properties=amount,deal_currency_code,dealstage,vouch_referral_id&associations=contacts`,
    );
    if (res.status === 404) return null;
    if (res.status !== 200) throw failure("reading the deal", res);
    const body = res.body as {
      properties?: Record<string, string | null>;
      associations?: { contacts?: { results?: { id: string }[] } };
    };
    return {
      properties: body.properties ?? {},
      contactIds: (body.associations?.contacts?.results ?? []).map((r) => String(r.id)),
    };
  }

  async readContacts(ids: string[]) {
    if (ids.length === 0) return [];
    const res = await this.request("POST", "/crm/v3/objects/contacts/batch/read", {
      properties: ["email", "vouch_referral_id"],
      inputs: ids.slice(0, 100).map((id) => ({ id })),
    });
    if (res.status !== 200 && res.status !== 207) throw failure("reading the deal's contacts", res);
    return (
      (res.body as { results?: { id: string; properties?: Record<string, string | null> }[] })?.results ?? []
    ).map((r) => ({
      id: String(r.id),
      email: r.properties?.email ?? null,
      referralId: r.properties?.vouch_referral_id ?? null,
    }));
  }
}

export { SyncFailure };
