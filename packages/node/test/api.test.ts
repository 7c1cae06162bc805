/**
 * The SDK against the real API (workerd + local D1, the seeded demo program): what it signs enrols, what it
 * records is recorded once, and what the API refuses arrives as the typed error.
 */
import { describe, expect, inject, test } from "vitest";
import { DEMO } from "../../../scripts/lib/stack";
import { identityToken, signIdentity, Vouch, VouchError } from "../src/index";
import { PAGE_ORIGIN } from "./global-setup";

const apiUrl = inject("apiUrl");
/** Every answer's headers, to see the API's `Idempotent-Replayed`. */
const answers: Response[] = [];
const vouch = new Vouch({
  secretKey: DEMO.secretKey,
  apiUrl,
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    answers.push(response.clone());
    return response;
  },
});
const run = Date.now().toString(36);

/** `POST /v1/members/me` as the widget sends it from the vendor's page (publishable key, page origin). */
async function enrolFromPage(body: object) {
  const response = await fetch(`${apiUrl}/v1/members/me?key=${DEMO.publishableKey}`, {
    method: "POST",
    headers: { origin: PAGE_ORIGIN, "content-type": "text/plain" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("identities", () => {
  test("signIdentity's output enrols the member; a signature for another id is refused", async () => {
    const user = { id: `sdk-user-${run}`, email: `dana-${run}@northwind.example`, name: "Dana Whitfield" };
    const signed = await signIdentity(user, { identitySecret: DEMO.identitySecret });
    const { status, body } = await enrolFromPage(signed);
    expect(status).toBe(200);
    expect(body.member).toMatchObject({ external_id: user.id, email: user.email, name: "Dana Whitfield" });

    const forged = await enrolFromPage({ ...signed, member: { ...signed.member, id: `${user.id}-2` } });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("invalid_signature");
  });

  test("with a timestamp, the API checks the signature over the timestamp too", async () => {
    const user = { id: `sdk-user-ts-${run}` };
    const signed = await signIdentity(user, { identitySecret: DEMO.identitySecret, timestamp: true });
    expect((await enrolFromPage(signed)).status).toBe(200);
    expect((await enrolFromPage({ ...signed, timestamp: signed.timestamp! - 1 })).body.error.code).toBe(
      "invalid_signature",
    );
  });

  test("identityToken's JWT enrols the member with its signed profile", async () => {
    const user = { id: `sdk-jwt-${run}`, email: `pat-${run}@globex.example`, name: "Pat", company: "Globex" };
    const token = await identityToken(user, { identitySecret: DEMO.identitySecret, expiresIn: 300 });
    const { status, body } = await enrolFromPage({ token });
    expect(status).toBe(200);
    expect(body.member).toMatchObject({
      external_id: user.id,
      email: user.email,
      company: "Globex",
      email_verified: true,
    });
  });
});

describe("server calls", () => {
  test("a conversion recorded twice with the automatic key is one conversion; discount; renewals", async () => {
    const { member } = await vouch.request<{ member: { id: string; code: string } }>("POST", "/v1/members", {
      body: { id: `sdk-advocate-${run}`, email: `anna-${run}@advocate.example`, name: "Anna" },
    });
    const conversion = {
      email: `erin-${run}@customer.example`,
      code: member.code,
      plan: "growth",
      value_cents: 49_900,
      currency: "USD",
    };
    const first = await vouch.recordConversion(conversion);
    expect(first.referral).toMatchObject({ member_id: member.id, status: "converted", value_cents: 49_900 });
    expect(first.changed).toBe(true);
    const { plan, ...rest } = conversion;
    const again = await vouch.recordConversion({ plan, ...rest }); // a retry, its fields in another order
    expect(answers.at(-1)?.headers.get("idempotent-replayed")).toBe("true");
    expect(again).toEqual(first);

    const { data } = await vouch.request<{ data: { id: string }[] }>("GET", "/v1/referrals", {
      query: { email: conversion.email },
    });
    expect(data).toHaveLength(1);
    const converted = async () => {
      const detail = await vouch.request<{ events: { to: string }[] }>("GET", `/v1/referrals/${first.referral.id}`);
      return detail.events.map((e) => e.to);
    };
    expect((await converted()).filter((to) => to === "converted")).toHaveLength(1);

    const discount = await vouch.memberDiscount(member.id);
    expect(discount).toMatchObject({ member_id: member.id, discount_percent: 0, active_referrals: 1 });

    // A renewal must say which invoice it is: the API's refusal arrives typed.
    const refused = await vouch.updateReferral(first.referral.id, { status: "renewed" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VouchError);
    expect(refused).toMatchObject({ code: "idempotency_key_required", status: 422 });
    const renewal = { status: "renewed" as const, invoice_id: `in_${run}`, value_cents: 49_900, currency: "USD" };
    await vouch.updateReferral(first.referral.id, renewal);
    await vouch.updateReferral(first.referral.id, renewal);
    expect((await converted()).filter((to) => to === "renewed")).toHaveLength(1);
  });

  test("the API's errors arrive as VouchError with their code", async () => {
    await expect(vouch.updateReferral("ref_doesnotexist00000", { status: "qualified" })).rejects.toMatchObject({
      name: "VouchError",
      code: "referral_not_found",
      status: 404,
    });
    await expect(vouch.memberDiscount("mem_doesnotexist00000")).rejects.toMatchObject({ code: "member_not_found" });
    const wrongKey = new Vouch({ secretKey: "vch_sk_test_not_a_key_at_all_0000000000", apiUrl });
    await expect(wrongKey.request("GET", "/v1/program")).rejects.toMatchObject({ code: "invalid_key", status: 401 });
    await expect(vouch.recordConversion({ code: "NOBODY00" })).rejects.toMatchObject({
      code: "validation_failed",
      status: 422,
    });
  });
});

describe("One Click Access", () => {
  test("accessLink mints a link that opens the member's portal, and refuses hours out of range", async () => {
    const { member } = await vouch.request<{ member: { id: string; code: string } }>("POST", "/v1/members", {
      body: { id: `sdk-portal-${run}`, email: `dana-${run}@portal.example`, name: "Dana Whitfield" },
    });
    const before = Date.now();
    const link = await vouch.accessLink(member.id, { expiresInHours: 24 });
    expect(link.url.startsWith(`${apiUrl}/o/oca1.portal.`)).toBe(true);
    const expires = Date.parse(link.expires_at);
    expect(expires).toBeGreaterThan(before + 24 * 3600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect(Date.parse((await vouch.accessLink(member.id)).expires_at)).toBeGreaterThan(before + 71 * 3600_000);

    // What the member's browser does: open the link, keep the cookie, follow the redirect.
    const opened = await fetch(link.url, { redirect: "manual" });
    expect(opened.status).toBe(303);
    const location = opened.headers.get("location") ?? "";
    expect(location).toMatch(/^\/p\/[a-z0-9-]+\/me$/);
    const cookie = (opened.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const portal = await fetch(`${apiUrl}${location}`, { headers: { cookie } });
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain(`<code>${member.code}</code>`);

    await expect(vouch.accessLink(member.id, { expiresInHours: 721 })).rejects.toMatchObject({
      name: "VouchError",
      code: "validation_failed",
      status: 422,
    });
    await expect(vouch.accessLink("mem_doesnotexist00000")).rejects.toMatchObject({ code: "member_not_found" });
  });
});
