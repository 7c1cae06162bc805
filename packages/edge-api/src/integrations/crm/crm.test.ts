import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { API, browser, enrol, makeProgram, server, type TestProgram } from "../../../test/fixtures";
import { requiredRole } from "../../admin/middleware";
import { rulesBodyExample } from "../../openapi/examples";
import { hubspotSignature } from "./hubspot";
import { applyCrmEvents } from "./inbound";
import { type CrmMessage, consumeCrm, syncOne } from "./outbound";
import { SOAP_ACK } from "./salesforce";
import { readSettings, saveSettings } from "./settings";
import { open, seal, type VaultEnv } from "./vault";

type Json = Record<string, any>;

const HS_TOKEN = "pat-na1-5f2b7c1e-0d4a-4a8e-9b3c-2f6d8e1a9f2c";
const HS_SECRET = "3c1d9e8f-4b2a-47d6-a5e1-0f9c8b7a6d5e";
const SF_CLIENT = {
  client_id: "3MVG9VwZxxW3bBQjhE6m21CG2nSS4WC.GNbZ",
  client_secret: "8A4BE698BCA216718ECB0B1DCA294C69",
};
const SF_ORG = "00D5e000000KQ2eEAG";

const fakeBase = (provider: "hubspot" | "salesforce") => `${inject("receiverUrl")}/${provider}/${crypto.randomUUID()}`;
const control = (base: string, path: string, method: string, body?: unknown) =>
  fetch(`${base}/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
const logOf = async (base: string) => (await (await fetch(`${base}/_log`)).json()) as Json[];
const stateOf = async (base: string) => (await (await fetch(`${base}/_state`)).json()) as Json;

async function leadFor(p: TestProgram, email: string) {
  const me = await enrol(p, { id: `u-${crypto.randomUUID()}`, email: "dana@northwind.test", name: "Dana Scully" });
  const visit = await browser(p, "/v1/track/visit", { code: me.member.code });
  const lead = await browser(p, "/v1/track/lead", { email, click_id: visit.json.click_id });
  expect(lead.res.status).toBe(202);
  const found = await server(p, "GET", `/v1/referrals?email=${encodeURIComponent(email)}`);
  return { member: me.member as Json, referral: found.json.data[0] as Json };
}

const referral = async (p: TestProgram, id: string) => (await server(p, "GET", `/v1/referrals/${id}`)).json;

async function outboxOf(p: TestProgram, provider: string, referralId: string) {
  return env.DB.prepare("SELECT * FROM crm_outbox WHERE program_id = ? AND provider = ? AND referral_id = ?")
    .bind(p.id, provider, referralId)
    .first<Json>();
}

async function signedHubSpot(p: TestProgram, events: unknown[], opts: { secret?: string; at?: number } = {}) {
  const url = `${API}/v1/integrations/hubspot/${p.id}`;
  const body = JSON.stringify(events);
  const ts = String(opts.at ?? Date.now());
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": await hubspotSignature(opts.secret ?? HS_SECRET, "POST", url, body, ts),
      "x-hubspot-request-timestamp": ts,
    },
    body,
  });
  return { res, json: (await res.json()) as Json };
}

const dealEvent = (eventId: number, dealId: string, stage: string) => ({
  eventId,
  subscriptionId: 2345678,
  portalId: 62515,
  appId: 54321,
  occurredAt: Date.now(),
  subscriptionType: "deal.propertyChange",
  attemptNumber: 0,
  objectId: Number(dealId),
  propertyName: "dealstage",
  propertyValue: stage,
  changeSource: "CRM_UI",
});

describe("CRM settings: credentials encrypted at rest, never returned", () => {
  it("stores the token sealed, shows a hint, keeps it when a later save leaves it out, and refuses half a setup", async () => {
    const p = await makeProgram({ test_mode: true });
    const half = await server(p, "PUT", "/v1/integrations/hubspot", { access_token: HS_TOKEN });
    expect(half.res.status).toBe(422);
    expect(half.json.error.code).toBe("validation_failed");
    expect(JSON.stringify(half.json.error.details)).toContain("client_secret");

    const saved = await server(p, "PUT", "/v1/integrations/hubspot", {
      access_token: HS_TOKEN,
      client_secret: HS_SECRET,
    });
    expect(saved.res.status).toBe(200);
    expect(saved.json).toMatchObject({ configured: true, credentials_hint: "pat-…9f2c", sync_out: true });
    const text = JSON.stringify(saved.json) + JSON.stringify((await server(p, "GET", "/v1/integrations/hubspot")).json);
    expect(text).not.toContain(HS_TOKEN);
    expect(text).not.toContain(HS_SECRET);
    const row = await env.DB.prepare("SELECT credentials FROM crm_settings WHERE program_id = ?")
      .bind(p.id)
      .first<Json>();
    expect(row?.credentials).toMatch(/^enc:v1:k2:/);
    expect(row?.credentials).not.toContain(HS_TOKEN.slice(8, 20));

    const remap = await server(p, "PUT", "/v1/integrations/hubspot", { stage_map: { "Closed won": "converted" } });
    expect(remap.json.stage_map).toEqual({ "Closed won": "converted" });
    const s = await readSettings<{ access_token: string; client_secret: string }>(env, p.id, "hubspot");
    expect(s?.credentials).toEqual({ access_token: HS_TOKEN, client_secret: HS_SECRET });
  });

  it("from the dashboard, only an owner changes CRM credentials; anyone signed in reads the settings and the log", () => {
    for (const method of ["PUT", "DELETE"]) {
      expect(requiredRole(method, "/v1/integrations/hubspot")).toBe("owner");
      expect(requiredRole(method, "/v1/integrations/salesforce")).toBe("owner");
    }
    expect(requiredRole("GET", "/v1/integrations/hubspot")).toBe("viewer");
    expect(requiredRole("GET", "/v1/integrations/crm-log")).toBe("viewer");
  });

  it("rotates: values sealed with an older key still open; another program's ciphertext does not; no key is a clear 503", async () => {
    const old = { VOUCH_ENCRYPTION_KEY: "k1:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=" };
    const sealed = await seal(old, "secret", "crm:hubspot:credentials:prg_a");
    expect(await open(env as unknown as VaultEnv, sealed, "crm:hubspot:credentials:prg_a")).toBe("secret");
    await expect(open(env as unknown as VaultEnv, sealed, "crm:hubspot:credentials:prg_b")).rejects.toThrow();
    const p = await makeProgram({ test_mode: true });
    await expect(
      saveSettings(
        { DB: env.DB },
        { id: p.id, testMode: true },
        "hubspot",
        { access_token: HS_TOKEN, client_secret: HS_SECRET },
        "test",
      ),
    ).rejects.toMatchObject({ code: "encryption_key_missing" });
  });
});

describe("HubSpot in: signed deal stage changes move referrals", () => {
  async function connected() {
    const base = fakeBase("hubspot");
    const p = await makeProgram({ test_mode: true }, { rules: rulesBodyExample });
    await server(p, "PUT", "/v1/integrations/hubspot", {
      access_token: HS_TOKEN,
      client_secret: HS_SECRET,
      sync_out: false,
      stage_map: { "Sales qualified lead": "qualified", closedwon: "converted", closedlost: "lost" },
    });
    return { p, base, crmEnv: { ...env, HUBSPOT_API_URL: base } };
  }

  it("verifies X-HubSpot-Signature-v3: good, wrong secret, tampered, stale, missing", async () => {
    const { p } = await connected();
    const events = [dealEvent(1001, "9001", "appointmentscheduled")];
    expect((await signedHubSpot(p, events)).json).toEqual({ received: 1, new: 1, ignored: 0 });
    const wrong = await signedHubSpot(p, events, { secret: "someone-elses-secret-123" });
    expect(wrong.res.status).toBe(401);
    expect(wrong.json.error.code).toBe("invalid_hubspot_signature");
    const stale = await signedHubSpot(p, events, { at: Date.now() - 5 * 60_000 - 1_000 });
    expect(stale.json.error.message).toMatch(/older than 5 minutes/);
    const url = `${API}/v1/integrations/hubspot/${p.id}`;
    const ts = String(Date.now());
    const sig = await hubspotSignature(HS_SECRET, "POST", url, JSON.stringify(events), ts);
    const tampered = await SELF.fetch(url, {
      method: "POST",
      headers: { "x-hubspot-signature-v3": sig, "x-hubspot-request-timestamp": ts },
      body: JSON.stringify([dealEvent(1001, "9001", "closedwon")]),
    });
    expect(tampered.status).toBe(401);
    const missing = await SELF.fetch(url, { method: "POST", body: "[]" });
    expect(((await missing.json()) as Json).error.code).toBe("invalid_hubspot_signature");
    const other = await makeProgram({ test_mode: true });
    const unknown = await signedHubSpot(other, events);
    expect(unknown.res.status).toBe(404);
    expect(unknown.json.error.code).toBe("crm_not_configured");
  });

  it("lifecycle SQL → qualified, closed won → converted with the deal amount (rewards too); the same event twice changes once", async () => {
    const { p, base, crmEnv } = await connected();
    const { referral: r } = await leadFor(p, "sam@initech.test");
    await control(base, "_contacts", "PUT", [
      { id: "701", properties: { email: "sam@initech.test", vouch_referral_id: r.id } },
    ]);
    await control(base, "_deals", "PUT", [
      {
        id: "9002",
        properties: { amount: "1200.50", deal_currency_code: "EUR", dealstage: "closedwon" },
        contacts: ["701"],
      },
    ]);
    const sql = {
      ...dealEvent(2001, "701", "salesqualifiedlead"),
      subscriptionType: "contact.propertyChange",
      propertyName: "lifecyclestage",
    };
    expect((await signedHubSpot(p, [sql, { ...dealEvent(2002, "9002", "x"), propertyName: "amount" }])).json).toEqual({
      received: 2,
      new: 1,
      ignored: 1,
    });
    const first = await applyCrmEvents(crmEnv, { programId: p.id });
    expect(first.outcomes["2001"]).toBe(`qualified: ${r.id}`);
    expect((await referral(p, r.id)).referral.status).toBe("qualified");

    const won = [dealEvent(2003, "9002", "closedwon")];
    expect((await signedHubSpot(p, won)).json.new).toBe(1);
    expect((await signedHubSpot(p, won)).json).toMatchObject({ new: 0 }); // HubSpot's retry
    // Another event saying the same (a stage set twice): the same key, one conversion.
    await signedHubSpot(p, [dealEvent(2004, "9002", "closedwon")]);
    const second = await applyCrmEvents(crmEnv, { programId: p.id });
    expect(second.outcomes["2003"]).toBe(`converted: ${r.id}`);
    expect(second.outcomes["2004"]).toMatch(/no change|already applied/);
    const after = await referral(p, r.id);
    expect(after.referral).toMatchObject({ status: "converted", value_cents: 120_050, currency: "EUR" });
    expect(after.events.filter((e: Json) => e.to === "converted")).toHaveLength(1);
    const rewards = await env.DB.prepare("SELECT COUNT(*) AS n FROM rewards WHERE referral_id = ?")
      .bind(r.id)
      .first<Json>();
    expect(rewards?.n).toBeGreaterThan(0);

    // The deal's calls are HubSpot's: the private-app token, the deal with its contacts, the contacts by id.
    const log = await logOf(base);
    expect(log.every((c) => c.headers.authorization === `Bearer ${HS_TOKEN}`)).toBe(true);
    expect(log.map((c) => `${c.method} ${c.path}`)).toContain(
      "GET /crm/v3/objects/deals/9002?properties=amount,deal_currency_code,dealstage,vouch_referral_id&associations=contacts",
    );
    expect(log.find((c) => c.path === "/crm/v3/objects/contacts/batch/read")?.body).toEqual({
      properties: ["email", "vouch_referral_id"],
      inputs: [{ id: "701" }],
    });
    // The sync log says what happened to the referral.
    const entries = await server(p, "GET", `/v1/integrations/crm-log?referral_id=${r.id}`);
    expect(entries.json.data.map((e: Json) => e.detail)).toContain(`converted: ${r.id} (120050 EUR)`);
  });

  it("a HubSpot outage while reading the deal is retried; an unmapped stage or an unknown deal changes nothing", async () => {
    const { p, base, crmEnv } = await connected();
    const { referral: r } = await leadFor(p, "kim@hooli.test");
    await control(base, "_deals", "PUT", [{ id: "9003", properties: { amount: "99" }, contacts: ["702"] }]);
    await control(base, "_contacts", "PUT", [{ id: "702", properties: { email: "Kim@hooli.test" } }]);
    await control(base, "_replies", "PUT", [
      { route: "GET /crm/v3/objects/deals/9003", status: 502, body: { status: "error", message: "Bad gateway" } },
    ]);
    await signedHubSpot(p, [dealEvent(3001, "9003", "closedwon"), dealEvent(3002, "9003", "presentationscheduled")]);
    const first = await applyCrmEvents(crmEnv, { programId: p.id });
    expect(first.outcomes["3001"]).toMatch(/^retry: reading the deal: 502/);
    expect(first.outcomes["3002"]).toMatch(/not in the stage map/);
    expect(first.retryInSeconds).toBe(30);
    const second = await applyCrmEvents(crmEnv, { programId: p.id });
    // Linked by the contact's email (no Vouch id on it): the same person.
    expect(second.outcomes["3001"]).toBe(`converted: ${r.id}`);
    await control(base, "_deals", "PUT", [{ id: "9004", properties: {}, contacts: [] }]);
    await signedHubSpot(p, [dealEvent(3003, "9004", "closedwon")]);
    // A deployment whose key went missing: the event waits (it is not dropped) until the credentials open again.
    const keyless = await applyCrmEvents({ DB: env.DB, HUBSPOT_API_URL: base }, { programId: p.id });
    expect(keyless.outcomes["3003"]).toMatch(/^waiting: the saved credentials cannot be read/);
    expect((await applyCrmEvents(crmEnv, { programId: p.id })).outcomes["3003"]).toMatch(/^unmatched/);
  });
});

describe("HubSpot out: each referral becomes or updates a contact", () => {
  it("creates the property group and contact, updates only Vouch's properties, backs off on 429 and 5xx", async () => {
    const base = fakeBase("hubspot");
    const crmEnv = { ...env, HUBSPOT_API_URL: base };
    const p = await makeProgram({ test_mode: true });
    await server(p, "PUT", "/v1/integrations/hubspot", { access_token: HS_TOKEN, client_secret: HS_SECRET });
    const { referral: r, member } = await leadFor(p, "ana@umbrella.test");
    const row = await outboxOf(p, "hubspot", r.id);
    expect(row?.state).toBe("pending");

    const now = Date.now() + 1_000;
    await control(base, "_replies", "PUT", [
      {
        route: "POST /crm/v3/objects/contacts/search",
        status: 429,
        headers: { "retry-after": "90", "x-hubspot-ratelimit-max": "100", "x-hubspot-ratelimit-remaining": "0" },
        body: {
          status: "error",
          message: "You have reached your ten_secondly_rolling limit.",
          errorType: "RATE_LIMIT",
          correlationId: "c1",
          policyName: "TEN_SECONDLY_ROLLING",
        },
      },
    ]);
    const limited = await syncOne(crmEnv, row?.id, now);
    expect(limited).toMatchObject({ state: "pending", retryDelayS: 90 });
    expect(await syncOne(crmEnv, row?.id, now + 5_000)).toEqual({ state: "not_due" }); // not before Retry-After
    await control(base, "_replies", "PUT", [
      {
        route: "POST /crm/v3/objects/contacts",
        status: 503,
        body: { status: "error", message: "Service Unavailable" },
      },
    ]);
    const unavailable = await syncOne(crmEnv, row?.id, now + 91_000);
    expect(unavailable).toMatchObject({ state: "pending", retryDelayS: 120 });
    const done = await syncOne(crmEnv, row?.id, now + 212_000);
    expect(done).toEqual({ state: "synced", detail: "contact.created" });

    const state = await stateOf(base);
    expect(state.groups).toEqual(["vouch"]);
    expect(state.properties).toEqual(
      expect.arrayContaining([
        "vouch_referral_id",
        "vouch_referral_code",
        "vouch_referrer_name",
        "vouch_referrer_email",
        "vouch_referral_status",
      ]),
    );
    const [contactId, contact] = Object.entries(state.contacts as Record<string, Json>)[0] as [string, Json];
    expect(contact).toMatchObject({
      email: "ana@umbrella.test",
      vouch_referral_id: r.id,
      vouch_referral_code: member.code,
      vouch_referrer_name: "Dana Scully",
      vouch_referrer_email: "dana@northwind.test",
      vouch_referral_status: "lead",
    });
    const search = (await logOf(base)).find((c) => c.path === "/crm/v3/objects/contacts/search");
    expect(search?.body).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: "ana@umbrella.test" }] }],
    });

    // A status change syncs again: only Vouch's properties, on the contact already known.
    await control(base, "_contacts", "PUT", [
      { id: contactId, properties: { ...contact, firstname: "Ana (set by sales)" } },
    ]);
    await server(p, "PATCH", `/v1/referrals/${r.id}`, { status: "qualified" });
    const again = await outboxOf(p, "hubspot", r.id);
    expect(again).toMatchObject({ state: "pending", attempts: 0, external_id: contactId });
    expect(await syncOne(crmEnv, again?.id, now + 300_000)).toEqual({ state: "synced", detail: "contact.updated" });
    const patched = (await stateOf(base)).contacts[contactId];
    expect(patched).toMatchObject({ firstname: "Ana (set by sales)", vouch_referral_status: "qualified" });
    const patch = (await logOf(base)).filter((c) => c.method === "PATCH").at(-1);
    expect(Object.keys(patch?.body.properties).every((k) => k.startsWith("vouch_"))).toBe(true);

    const log = await server(p, "GET", `/v1/integrations/crm-log?referral_id=${r.id}&provider=hubspot`);
    expect(log.json.data.map((e: Json) => e.action)).toEqual([
      "contact.updated",
      "contact.created",
      "retry in 120 s",
      "retry in 90 s",
    ]);
  });

  it("an existing contact keeps its fields; a bad token fails for good; the queue consumer acks and retries as told", async () => {
    const base = fakeBase("hubspot");
    const crmEnv = { ...env, HUBSPOT_API_URL: base };
    const p = await makeProgram({ test_mode: true });
    await server(p, "PUT", "/v1/integrations/hubspot", { access_token: HS_TOKEN, client_secret: HS_SECRET });
    await control(base, "_contacts", "PUT", [
      { id: "42", properties: { email: "lee@acme.test", firstname: "Lee", company: "Acme" } },
    ]);
    const { referral: r } = await leadFor(p, "lee@acme.test");
    const row = await outboxOf(p, "hubspot", r.id);
    const batch = createMessageBatch<CrmMessage>("vouch-crm", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "sync", id: row?.id } },
    ]);
    await consumeCrm(batch, crmEnv, { now: () => Date.now() + 1_000 });
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["m1"]);
    expect((await stateOf(base)).contacts["42"]).toEqual({
      email: "lee@acme.test",
      firstname: "Lee",
      company: "Acme",
      vouch_referral_id: r.id,
      vouch_referral_code: expect.any(String),
      vouch_referrer_name: "Dana Scully",
      vouch_referrer_email: "dana@northwind.test",
      vouch_referral_status: "lead",
    });

    const { referral: r2 } = await leadFor(p, "max@acme.test");
    const row2 = await outboxOf(p, "hubspot", r2.id);
    await control(base, "_replies", "PUT", [
      {
        route: "POST /crm/v3/objects/contacts/search",
        status: 401,
        body: {
          status: "error",
          message: "The OAuth token used to make this call expired",
          category: "EXPIRED_AUTHENTICATION",
        },
      },
    ]);
    const failed = await syncOne(crmEnv, row2?.id, Date.now() + 1_000);
    expect(failed.state).toBe("failed");
    expect((await outboxOf(p, "hubspot", r2.id))?.last_status).toBe(401);
  });
});

describe("Salesforce in: Flow callouts and SOAP Outbound Messages", () => {
  async function connected() {
    const p = await makeProgram({ test_mode: true }, { rules: rulesBodyExample });
    const saved = await server(p, "PUT", "/v1/integrations/salesforce", {
      instance_url: fakeBase("salesforce"),
      ...SF_CLIENT,
      org_id: SF_ORG,
      sync_out: false,
    });
    expect(saved.res.status).toBe(200);
    expect(saved.json.inbound_secret).toHaveLength(32);
    expect((await server(p, "GET", "/v1/integrations/salesforce")).json).not.toHaveProperty("inbound_secret");
    return { p, secret: saved.json.inbound_secret as string };
  }

  const soap = (
    notifications: { id: string; opp: Record<string, string> }[],
    org = SF_ORG,
  ) => `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${org}</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00D5e000000KQ2e</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/00D5e000000KQ2e</PartnerUrl>
${notifications
  .map(
    (n) => `   <Notification>
    <Id>${n.id}</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
${Object.entries(n.opp)
  .map(([k, v]) => `     <sf:${k}>${v}</sf:${k}>`)
  .join("\n")}
    </sObject>
   </Notification>`,
  )
  .join("\n")}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

  it("a Flow callout with the inbound secret converts with the amount; a wrong secret is refused; a resend changes nothing", async () => {
    const { p, secret } = await connected();
    const { referral: r } = await leadFor(p, "jo@wayne.test");
    const url = `${API}/v1/integrations/salesforce/${p.id}`;
    const opp = { Id: "0065e00000AbCdEAAV", StageName: "Closed Won", Amount: 4800, Vouch_Referral_Id__c: r.id };
    const send = (body: unknown, token = secret) =>
      SELF.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const wrong = await send(opp, "x".repeat(32));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Json).error.code).toBe("invalid_salesforce_token");
    const bad = await send({ records: [{ Id: "006" }] });
    expect(((await bad.json()) as Json).error.code).toBe("invalid_crm_payload");
    const ok = await send({ records: [opp] });
    expect(await ok.json()).toEqual({
      received: 1,
      new: 1,
      ignored: 0,
      outcomes: { [`${opp.Id}:closedwon`]: `converted: ${r.id}` },
    });
    expect(((await (await send(opp)).json()) as Json).new).toBe(0);
    const after = await referral(p, r.id);
    expect(after.referral).toMatchObject({ status: "converted", value_cents: 480_000, currency: "USD" });
    expect(after.events.filter((e: Json) => e.to === "converted")).toHaveLength(1);
  });

  it("an Outbound Message is parsed, checked (token in the URL, OrganizationId) and acknowledged exactly as Salesforce expects", async () => {
    const { p, secret } = await connected();
    const { referral: r } = await leadFor(p, "bo@stark.test");
    const url = `${API}/v1/integrations/salesforce/${p.id}`;
    const body = soap([
      {
        id: "04l5e00000Gx7QzAAJ",
        opp: { Id: "0065e00000XyZ12AAB", StageName: "Qualification", Email: "Bo@stark.test" },
      },
      {
        id: "04l5e00000Gx7R0AAJ",
        opp: { Id: "0065e00000XyZ13AAB", StageName: "Closed Lost", Vouch_Referral_Id__c: "ref_nobody" },
      },
    ]);
    const post = (b: string, query: string) =>
      SELF.fetch(`${url}${query}`, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8", soapaction: '""' },
        body: b,
      });
    expect((await post(body, "")).status).toBe(401);
    const otherOrg = await post(
      soap(
        [{ id: "04l5e00000Gx7QzAAJ", opp: { Id: "0065e00000XyZ12AAB", StageName: "Closed Won" } }],
        "00D000000000001AAA",
      ),
      `?token=${secret}`,
    );
    expect(((await otherOrg.json()) as Json).error.code).toBe("invalid_salesforce_token");
    await server(p, "PUT", "/v1/integrations/salesforce", {
      stage_map: { Qualification: "qualified", "Closed Won": "converted", "Closed Lost": "lost" },
    });
    const ack = await post(body, `?token=${secret}`);
    expect(ack.status).toBe(200);
    expect(ack.headers.get("content-type")).toMatch(/^text\/xml/);
    expect(await ack.text()).toBe(SOAP_ACK);
    expect((await referral(p, r.id)).referral.status).toBe("qualified");
    const events = await env.DB.prepare(
      "SELECT event_key, outcome FROM crm_events WHERE program_id = ? ORDER BY event_key",
    )
      .bind(p.id)
      .all<Json>();
    expect(events.results).toEqual([
      { event_key: "0065e00000XyZ12AAB:qualification", outcome: `qualified: ${r.id}` },
      { event_key: "0065e00000XyZ13AAB:closedlost", outcome: expect.stringMatching(/^unmatched/) },
    ]);
    // Salesforce resends (it retries for 24 hours): acknowledged again, nothing more happens.
    expect(await (await post(body, `?token=${secret}`)).text()).toBe(SOAP_ACK);
    expect((await referral(p, r.id)).events.filter((e: Json) => e.to === "qualified")).toHaveLength(1);
    const dtd = await post(`<!DOCTYPE x [<!ENTITY a "b">]>${body}`, `?token=${secret}`);
    expect(((await dtd.json()) as Json).error.code).toBe("invalid_crm_payload");
  });
});

describe("Salesforce out: a Lead (or the matching Contact), client credentials, refresh on 401", () => {
  it("gets a token, upserts the Lead by Vouch id, refreshes an expired token once, backs off on 503, updates a matching Contact", async () => {
    const base = fakeBase("salesforce");
    await control(base, "_setup", "PUT", {
      ...SF_CLIENT,
      contacts: [{ Id: "0035e00000Q1w2EAAR", Email: "o'neil@acme.test", FirstName: "Pat" }],
    });
    const p = await makeProgram({ test_mode: true });
    await server(p, "PUT", "/v1/integrations/salesforce", { instance_url: base, ...SF_CLIENT, org_id: SF_ORG });
    const { referral: r, member } = await leadFor(p, "cy@cyberdyne.test");
    const row = await outboxOf(p, "salesforce", r.id);
    const t = Date.now() + 1_000;
    expect(await syncOne(env, row?.id, t)).toEqual({ state: "synced", detail: "lead.created" });
    const log = await logOf(base);
    expect(log.map((c) => `${c.method} ${c.path.split("?")[0]}`)).toEqual([
      "POST /services/oauth2/token",
      "GET /services/data/v62.0/query",
      `PATCH /services/data/v62.0/sobjects/Lead/Vouch_Referral_Id__c/${r.id}`,
    ]);
    expect(log[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(log[0]?.body).get("grant_type")).toBe("client_credentials");
    expect(decodeURIComponent(log[1]?.path)).toContain("WHERE Email = 'cy@cyberdyne.test'");
    const [lead] = Object.values((await stateOf(base)).leads) as Json[];
    expect(lead).toMatchObject({
      LastName: "cy",
      Company: "[not provided]",
      Email: "cy@cyberdyne.test",
      Vouch_Referral_Id__c: r.id,
      Vouch_Referral_Code__c: member.code,
      Vouch_Referral_Status__c: "lead",
    });
    const sealed = await env.DB.prepare("SELECT token FROM crm_settings WHERE program_id = ?").bind(p.id).first<Json>();
    expect(sealed?.token).toMatch(/^enc:v1:/);

    // The token expires; the next sync gets a 401, a new token, and succeeds on the second try.
    await control(base, "_expire", "POST");
    await control(base, "_replies", "PUT", [
      {
        route: "PATCH /services/data/v62.0/sobjects/Lead/",
        status: 503,
        body: [{ message: "Server Unavailable", errorCode: "SERVER_UNAVAILABLE" }],
      },
    ]);
    await server(p, "PATCH", `/v1/referrals/${r.id}`, { status: "qualified" });
    const again = await outboxOf(p, "salesforce", r.id);
    expect(await syncOne(env, again?.id, Date.now() + 1_000)).toMatchObject({ state: "pending", retryDelayS: 30 });
    expect(await syncOne(env, again?.id, Date.now() + 32_000)).toEqual({ state: "synced", detail: "lead.updated" });
    const calls = (await logOf(base))
      .slice(3)
      .map((c) => `${c.method} ${c.path} ${c.headers.authorization?.slice(0, 22) ?? ""}`);
    expect(calls[0]).toMatch(/^PATCH .*sobjects\/Lead\/00Q/); // the known lead, with the expired token: 401
    expect(calls[1]).toMatch(/^POST \/services\/oauth2\/token/);
    expect(calls.filter((c) => c.startsWith("POST /services/oauth2/token"))).toHaveLength(1);
    expect(Object.values((await stateOf(base)).leads)[0]).toMatchObject({
      Vouch_Referral_Status__c: "qualified",
      LastName: "cy",
    });

    // A friend who is already a Contact: the Contact gets Vouch's fields, no Lead is made.
    const { referral: r2 } = await leadFor(p, "o'neil@acme.test");
    const row2 = await outboxOf(p, "salesforce", r2.id);
    expect(await syncOne(env, row2?.id, Date.now() + 1_000)).toEqual({ state: "synced", detail: "contact.updated" });
    expect((await stateOf(base)).contacts["0035e00000Q1w2EAAR"]).toMatchObject({
      FirstName: "Pat",
      Vouch_Referral_Id__c: r2.id,
    });
    expect(Object.keys((await stateOf(base)).leads)).toHaveLength(1);
  });

  it("wrong client credentials fail for good with Salesforce's invalid_client, logged for the vendor", async () => {
    const base = fakeBase("salesforce");
    await control(base, "_setup", "PUT", { client_id: "another-client-id", client_secret: "another-secret-123" });
    const p = await makeProgram({ test_mode: true });
    await server(p, "PUT", "/v1/integrations/salesforce", { instance_url: base, ...SF_CLIENT });
    const { referral: r } = await leadFor(p, "vi@tyrell.test");
    const row = await outboxOf(p, "salesforce", r.id);
    const result = await syncOne(env, row?.id, Date.now() + 1_000);
    expect(result.state).toBe("failed");
    expect(result.detail).toContain("invalid_client");
    const log = await server(p, "GET", `/v1/integrations/crm-log?referral_id=${r.id}`);
    expect(log.json.data[0]).toMatchObject({ provider: "salesforce", direction: "out", action: "failed" });
  });
});
