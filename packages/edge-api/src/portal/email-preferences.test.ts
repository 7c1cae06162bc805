import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, enrol, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { consumeEmails, type EmailMessage } from "../emails/outbox";
import { PORTAL_COOKIE } from "./routes";

/** The portal's email preferences form: plain HTML posts (no script), honoured by the email consumer. */

async function signIn(p: TestProgram, memberId: string): Promise<string> {
  const { json } = await server(p, "POST", `/v1/members/${memberId}/access-link`, {});
  const res = await SELF.fetch(json.url, { redirect: "manual", headers: { "cf-connecting-ip": "198.51.100.7" } });
  const value = new RegExp(`${PORTAL_COOKIE}=([^;]+)`).exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (!value) throw new Error("no portal cookie");
  return value;
}

/** What a browser without JavaScript sends for the form: its fields, url-encoded, from the page's origin. */
function post(p: TestProgram, cookie: string, fields: [string, string][], origin = API) {
  return SELF.fetch(`${API}/p/${p.slug}/me/emails`, {
    method: "POST",
    redirect: "manual",
    headers: {
      cookie: `${PORTAL_COOKIE}=${cookie}`,
      origin,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The form's fields as the page renders them, with the boxes ticked as given. */
async function formOf(p: TestProgram, cookie: string, query = "") {
  const res = await SELF.fetch(`${API}/p/${p.slug}/me${query}`, { headers: { cookie: `${PORTAL_COOKIE}=${cookie}` } });
  const page = await res.text();
  return { res, page, checked: [...page.matchAll(/name="on" value="(\w+)" checked/g)].map((m) => m[1]) };
}

describe("the portal's email preferences", () => {
  it("turns a kind off and on again with a plain form post, and the consumer honours it", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const cookie = await signIn(p, member.id);
    const before = await formOf(p, cookie);
    expect(before.res.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(before.page).toContain(`<form method="post" action="/p/${p.slug}/me/emails">`);
    expect(before.checked).toEqual([
      "friend_signed_up",
      "friend_converted",
      "reward_approved",
      "reward_paid",
      "monthly_summary",
      "moment_invite",
    ]);
    const shown = before.checked.map((k): [string, string] => ["shown", k as string]);
    // Untick "a friend signs up".
    const res = await post(p, cookie, [...shown, ...before.checked.slice(1).map((k): [string, string] => ["on", k!])]);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/p/${p.slug}/me?emails=saved#emails`);
    const after = await formOf(p, cookie, "?emails=saved");
    expect(after.checked).not.toContain("friend_signed_up");
    expect(after.page).toContain('role="status">Your email preferences are saved.');

    // A friend signs up: the email is written (the program sends it) but skipped for this member.
    await server(p, "POST", "/v1/conversions", { email: "sam@initech.test", code: member.code, status: "qualified" });
    const row = await env.DB.prepare("SELECT id FROM email_outbox WHERE member_id = ? AND kind = 'friend_signed_up'")
      .bind(member.id)
      .first<{ id: string }>();
    const batch = createMessageBatch<EmailMessage>("vouch-emails", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { email_id: row!.id } },
    ]);
    await consumeEmails(batch, { ...env, EMAIL_PROVIDER: "local", PUBLIC_URL: API }, { now: () => Date.now() + 1000 });
    await getQueueResult(batch, createExecutionContext());
    const state = await env.DB.prepare("SELECT state FROM email_outbox WHERE id = ?").bind(row!.id).first();
    expect(state).toEqual({ state: "skipped" });

    // On again, and "no emails at all" ticked, then unticked: the unsubscribe row comes and goes.
    const all = before.checked.map((k): [string, string] => ["on", k!]);
    await post(p, cookie, [...shown, ...all, ["none", "1"]]);
    const unsub = () => env.DB.prepare("SELECT 1 FROM email_unsubscribes WHERE member_id = ?").bind(member.id).first();
    expect(await unsub()).not.toBeNull();
    expect((await formOf(p, cookie)).page).toMatch(/name="none" value="1" checked/);
    await post(p, cookie, [...shown, ...all]);
    expect(await unsub()).toBeNull();
    expect((await formOf(p, cookie)).checked).toHaveLength(before.checked.length);
  });

  it("refuses a cross-origin post and one without a session; lists only the kinds the program sends", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const cookie = await signIn(p, member.id);
    const evil = await post(p, cookie, [["shown", "monthly_summary"]], "https://evil.test");
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("This form can only be sent from this page.");
    const anonymous = await SELF.fetch(`${API}/p/${p.slug}/me/emails`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "shown=monthly_summary",
    });
    expect(anonymous.status).toBe(401);
    const outs = await env.DB.prepare("SELECT COUNT(*) AS n FROM email_opt_outs WHERE member_id = ?")
      .bind(member.id)
      .first<{ n: number }>();
    expect(outs?.n).toBe(0);

    await server(p, "PATCH", "/v1/program/email-settings", { monthly_summary: false });
    const { page } = await formOf(p, cookie);
    expect(page).not.toContain('value="monthly_summary"');
    expect(page).toContain('value="reward_paid"');
  });
});
