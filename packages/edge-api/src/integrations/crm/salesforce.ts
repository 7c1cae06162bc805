import { call, failure, SyncFailure } from "./http";
import type { SalesforceCredentials } from "./settings";

/**
 * Salesforce's side, by its published references:
 *
 * - OAuth 2.0 client credentials flow: `POST {My Domain}/services/oauth2/token`, form-encoded
 *   `grant_type=client_credentials&client_id=…&client_secret=…` → `{ access_token, instance_url, token_type }`;
 *   a bad client is `400 { error: "invalid_client", error_description }`.
 * - REST API (`/services/data/v62.0`): SOQL `GET …/query?q=`, `PATCH …/sobjects/Contact/{id}` (204),
 *   upsert by external id `PATCH …/sobjects/Lead/Vouch_Referral_Id__c/{referral id}` (201 created, 200/204
 *   updated). An expired token is `401 [{ errorCode: "INVALID_SESSION_ID", message: "Session expired or
 *   invalid" }]`: fetch a new token once and retry.
 * - Outbound Messages (SOAP, "Understanding the Outbound Messaging WSDL"): `notifications` with OrganizationId,
 *   ActionId, SessionId, EnterpriseUrl, PartnerUrl and up to 100 `Notification { Id, sObject }`; the endpoint
 *   acknowledges with `notificationsResponse { Ack: true }` or Salesforce sends it again (for 24 hours).
 */
export const SF_API_VERSION = "v62.0";

/** The custom fields a vendor adds to Lead and Contact (README, Salesforce); the Lead's id field is an External ID. */
export const SF_FIELDS = {
  referralId: "Vouch_Referral_Id__c",
  code: "Vouch_Referral_Code__c",
  referrerName: "Vouch_Referrer_Name__c",
  referrerEmail: "Vouch_Referrer_Email__c",
  status: "Vouch_Referral_Status__c",
} as const;

export const SOAP_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body>
    <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
      <Ack>true</Ack>
    </notificationsResponse>
  </soapenv:Body>
</soapenv:Envelope>`;

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export class SalesforceClient {
  private token: string | null;
  refreshed: string | null = null;

  constructor(
    private readonly credentials: SalesforceCredentials,
    cachedToken: string | null,
  ) {
    this.token = cachedToken;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.credentials.client_id,
      client_secret: this.credentials.client_secret,
    });
    const res = await call(`${this.credentials.instance_url}/services/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    });
    const token = (res.body as { access_token?: string } | null)?.access_token;
    if (res.status !== 200 || !token) throw failure("getting an access token (client credentials)", res);
    this.token = token;
    this.refreshed = token;
    return token;
  }

  /** One REST call; an expired token (401) is refreshed once and the call made again. */
  async request(method: string, path: string, body?: unknown) {
    const send = async (token: string) =>
      call(`${this.credentials.instance_url}/services/data/${SF_API_VERSION}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let res = await send(this.token ?? (await this.fetchToken()));
    if (res.status === 401 && !this.refreshed) res = await send(await this.fetchToken());
    return res;
  }

  async findContact(email: string): Promise<string | null> {
    const q = `SELECT Id FROM Contact WHERE Email = ${soqlString(email)} ORDER BY CreatedDate LIMIT 1`;
    const res = await this.request("GET", `/query?q=${encodeURIComponent(q)}`);
    if (res.status !== 200) throw failure("looking up the contact", res);
    return ((res.body as { records?: { Id: string }[] })?.records ?? [])[0]?.Id ?? null;
  }

  async updateContact(id: string, fields: Record<string, string>): Promise<void> {
    const res = await this.request("PATCH", `/sobjects/Contact/${encodeURIComponent(id)}`, fields);
    if (res.status !== 204 && res.status !== 200) throw failure("updating the contact", res);
  }

  /** Upserts the Lead by its Vouch referral id (an External ID field), so a retry never makes a second one. */
  async upsertLead(
    referralId: string,
    fields: Record<string, string>,
  ): Promise<{ id: string | null; created: boolean }> {
    const res = await this.request(
      "PATCH",
      `/sobjects/Lead/${SF_FIELDS.referralId}/${encodeURIComponent(referralId)}`,
      fields,
    );
    if (res.status !== 201 && res.status !== 200 && res.status !== 204) throw failure("upserting the lead", res);
    const b = res.body as { id?: string; created?: boolean } | null;
    return { id: b?.id ?? null, created: res.status === 201 || b?.created === true };
  }

  async updateLead(id: string, fields: Record<string, string>): Promise<boolean> {
    const res = await this.request("PATCH", `/sobjects/Lead/${encodeURIComponent(id)}`, fields);
    if (res.status === 404) return false;
    if (res.status !== 204 && res.status !== 200) throw failure("updating the lead", res);
    return true;
  }
}

export { SyncFailure };

/** A stage change from Salesforce, whatever carried it. */
export interface SalesforceChange {
  recordId: string;
  stage: string;
  amount: number | null;
  currency: string | null;
  referralId: string | null;
  email: string | null;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/** The text of each direct child element of `xml` (namespace prefixes dropped); nil elements are null. */
function children(xml: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const re = /<(?:[\w.-]+:)?([\w.-]+)(\s[^>]*?)?(?:\/>|>([^<]*)<\/(?:[\w.-]+:)?\1\s*>)/g;
  for (const m of xml.matchAll(re)) {
    const name = m[1] as string;
    if (name in out) continue;
    out[name] = m[3] === undefined ? null : unescapeXml(m[3]);
  }
  return out;
}

export interface OutboundMessage {
  organizationId: string;
  notifications: { notificationId: string; fields: Record<string, string | null> }[];
}

/** Parses a SOAP Outbound Message. Refuses DTDs (no entity tricks) and anything that is not `notifications`. */
export function parseOutboundMessage(xml: string): OutboundMessage | string {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return "DTDs are not accepted";
  const body = /<(?:[\w.-]+:)?notifications\b[^>]*>([\s\S]*)<\/(?:[\w.-]+:)?notifications\s*>/.exec(xml)?.[1];
  if (!body) return "no <notifications> element: not an Outbound Message";
  const head = children(body.replace(/<(?:[\w.-]+:)?Notification\b[\s\S]*?<\/(?:[\w.-]+:)?Notification\s*>/g, ""));
  const organizationId = head.OrganizationId;
  if (!organizationId) return "no OrganizationId";
  const notifications: OutboundMessage["notifications"] = [];
  for (const n of body.matchAll(/<(?:[\w.-]+:)?Notification\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?Notification\s*>/g)) {
    const inner = n[1] as string;
    const sObject = /<(?:[\w.-]+:)?sObject\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?sObject\s*>/.exec(inner)?.[1];
    const notificationId = children(inner.replace(/<(?:[\w.-]+:)?sObject\b[\s\S]*<\/(?:[\w.-]+:)?sObject\s*>/, "")).Id;
    if (!sObject || !notificationId) return "a Notification without Id or sObject";
    notifications.push({ notificationId, fields: children(sObject) });
  }
  if (notifications.length === 0) return "no Notification";
  if (notifications.length > 100) return "more than 100 notifications";
  return { organizationId, notifications };
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : null;
}

/** An Opportunity's fields (from either format) as a change; null if it has no Id or StageName. */
export function changeFrom(fields: Record<string, unknown>): SalesforceChange | null {
  const recordId = str(fields.Id);
  const stage = str(fields.StageName);
  if (!recordId || !stage) return null;
  return {
    recordId,
    stage,
    amount: num(fields.Amount),
    currency: str(fields.CurrencyIsoCode),
    referralId: str(fields[SF_FIELDS.referralId]),
    email: str(fields.Vouch_Friend_Email__c) ?? str(fields.Email),
  };
}

/**
 * A Flow's HTTP callout (an HTTP Callout action, or an Apex/External Service sending the record): one
 * Opportunity as JSON, or `{ "records": [ … ] }` / a list of them, each with at least `Id` and `StageName`.
 */
export function parseFlowCallout(json: unknown): SalesforceChange[] | string {
  const list = Array.isArray(json)
    ? json
    : json && typeof json === "object" && Array.isArray((json as { records?: unknown }).records)
      ? (json as { records: unknown[] }).records
      : json && typeof json === "object"
        ? [json]
        : null;
  if (!list || list.length === 0) return "expected an Opportunity object, a list of them, or { records: [...] }";
  if (list.length > 200) return "at most 200 records per call";
  const changes: SalesforceChange[] = [];
  for (const r of list) {
    const change = r && typeof r === "object" ? changeFrom(r as Record<string, unknown>) : null;
    if (!change) return "every record needs Id and StageName";
    changes.push(change);
  }
  return changes;
}
