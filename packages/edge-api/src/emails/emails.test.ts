import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { API, enrol, makeProgram, server } from "../../test/fixtures";
import { rulesBodyExample } from "../openapi/examples";
import { verifyAccessToken } from "../portal/access-token";
import { promoteDue } from "../rewards/ledger";
import { consumeEmails, dispatchDueEmails, type EmailEnv, type EmailMessage } from "./outbox";
import { renderEmail } from "./render";

interface OutboxRow {
  id: string;
  member_id: string;
  kind: string;
  cause_id: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  provider_id: string | null;
}

async function outboxOf(programId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM email_outbox WHERE program_id = ? ORDER BY created_at, rowid")
    .bind(programId)
    .all<OutboxRow>();
  return results;
}

async function localMessages(outboxId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM email_local_messages WHERE outbox_id = ?")
    .bind(outboxId)
    .all<{ id: string; to_address: string; subject: string; html: string; text: string; headers: string }>();
  return results;
}

const testEnv = (over: Partial<EmailEnv> = {}): EmailEnv => ({
  ...env,
  EMAIL_PROVIDER: "local",
  PUBLIC_URL: API,
  EMAIL_FROM: "Rewards <rewards@acme.test>",
  ...over,
});

/** Hands the messages to the real consumer at `now`, as the EMAILS queue would; what it acked and retried. */
async function deliver(ids: string[], now: number, e: EmailEnv = testEnv()) {
  const batch = createMessageBatch<EmailMessage>(
    "vouch-emails",
    ids.map((id, i) => ({ id: `${id}-${i}`, timestamp: new Date(now), attempts: 1, body: { email_id: id } })),
  );
  const ctx = createExecutionContext();
  await consumeEmails(batch, e, { now: () => now });
  return getQueueResult(batch, ctx);
}

/** A fake Resend of this test's own (test/local-servers.ts). */
function fakeResend(name = `re${crypto.randomUUID().slice(0, 8)}`) {
  const base = inject("receiverUrl");
  return {
    url: `${base}/resend/${name}`,
    async replies(r: { status: number; body: unknown; headers?: Record<string, string> }[]) {
      await fetch(`${base}/resend-control/${name}`, { method: "PUT", body: JSON.stringify(r) });
    },
    async log(): Promise<{ headers: Record<string, string>; body: any }[]> {
      return (await fetch(`${base}/resend-log/${name}`)).json();
    },
  };
}

const memberRewardNow = {
  ...rulesBodyExample,
  rules: rulesBodyExample.rules.map((r) => (r.recipient === "member" ? { ...r, hold_days: 0 } : r)),
};

describe("the email outbox: rows written with the change that causes them", () => {
  it("welcomes a member with an address, once, and not one without", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" }); // the same enrolment again
    await enrol(p, { id: "u2" });
    const rows = await outboxOf(p.id);
    expect(rows.map((r) => [r.kind, r.member_id, r.cause_id, r.state])).toEqual([
      ["welcome", member.id, member.id, "pending"],
    ]);
  });

  it("writes friend_converted and reward_approved once per cause, whatever is retried", async () => {
    const p = await makeProgram({}, { rules: memberRewardNow });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const conversion = { email: "sam@initech.test", code: member.code, value_cents: 9_900, currency: "USD" };
    const first = await server(p, "POST", "/v1/conversions", conversion, { "idempotency-key": "conv-1" });
    expect(first.res.status).toBe(201);
    // The same conversion retried, with and without its key: no new row.
    await server(p, "POST", "/v1/conversions", conversion, { "idempotency-key": "conv-1" });
    await server(p, "POST", "/v1/conversions", conversion);
    const referralId = first.json.referral.id as string;
    const reward = (first.json.rewards as { id: string; recipient: string }[]).find((r) => r.recipient === "member");
    // A renewal is the same referral: no second "became a customer".
    const renewal = await server(p, "PATCH", `/v1/referrals/${referralId}`, {
      status: "renewed",
      value_cents: 9_900,
      currency: "USD",
      invoice_id: "in_2",
    });
    expect(renewal.res.status).toBe(200);
    // The reward leaves approved and comes back (as a redone change would): still one row.
    await env.DB.prepare("UPDATE rewards SET state = 'pending' WHERE id = ?").bind(reward?.id).run();
    await env.DB.prepare("UPDATE rewards SET state = 'approved' WHERE id = ?").bind(reward?.id).run();
    const rows = await outboxOf(p.id);
    expect(rows.map((r) => [r.kind, r.cause_id]).sort()).toEqual(
      [
        ["friend_converted", referralId],
        ["reward_approved", reward?.id],
        ["welcome", member.id],
      ].sort(),
    );
  });

  it("writes reward_approved when the cron approves a reward whose hold ended, and none for a friend's reward", async () => {
    const p = await makeProgram({}, { rules: rulesBodyExample });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const conv = await server(p, "POST", "/v1/conversions", {
      email: "sam@initech.test",
      code: member.code,
      value_cents: 9_900,
      currency: "USD",
    });
    expect((await outboxOf(p.id)).map((r) => r.kind).sort()).toEqual(["friend_converted", "welcome"]);
    const later = Date.now() + 15 * 24 * 3600 * 1000;
    await promoteDue(env.DB, later, p.id);
    await promoteDue(env.DB, later, p.id);
    const memberReward = (conv.json.rewards as { id: string; recipient: string }[]).find(
      (r) => r.recipient === "member",
    );
    const approved = (await outboxOf(p.id)).filter((r) => r.kind === "reward_approved");
    expect(approved.map((r) => r.cause_id)).toEqual([memberReward?.id]);
  });

  it("writes nothing when the change rolls back", async () => {
    const p = await makeProgram();
    const now = Date.now();
    const insert = (id: string) =>
      env.DB.prepare(
        "INSERT INTO members (id, program_id, external_id, email, name, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).bind(id, p.id, id, `${id}@x.test`, "X", `CODE${id.slice(-6)}`.toUpperCase(), now);
    const id = `mem_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    // The second statement fails on the primary key: the batch rolls back whole, the member and its email.
    await expect(env.DB.batch([insert(id), insert(id)])).rejects.toThrow();
    expect(await outboxOf(p.id)).toEqual([]);
  });

  it("writes nothing for a kind the program turned off", async () => {
    const p = await makeProgram();
    await env.DB.prepare("INSERT INTO email_settings (program_id, welcome, updated_at) VALUES (?, 0, ?)")
      .bind(p.id, Date.now())
      .run();
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    expect(await outboxOf(p.id)).toEqual([]);
  });
});

describe("the consumer", () => {
  it("sends once even when the message is delivered twice (and the cron queued it again)", async () => {
    const p = await makeProgram();
    await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const [row] = await outboxOf(p.id);
    const now = Date.now() + 1000;
    const result = await deliver([row!.id, row!.id], now);
    await deliver([row!.id], now + 60_000);
    expect(result.retryMessages).toEqual([]);
    expect(await localMessages(row!.id)).toHaveLength(1);
    const [after] = await outboxOf(p.id);
    expect(after).toMatchObject({ state: "sent", attempts: 1 });
    // The cron finds nothing of it to queue again.
    const queued: string[] = [];
    const EMAILS = {
      sendBatch: async (msgs: { body: EmailMessage }[]) => {
        queued.push(...msgs.map((m) => m.body.email_id));
      },
    } as unknown as Queue<EmailMessage>;
    await dispatchDueEmails(testEnv({ EMAILS }), { now: now + 120_000 });
    expect(queued).not.toContain(row!.id);
  });

  it("renders a local message with One Click Access, List-Unsubscribe and escaped names; /dev/mail shows it", async () => {
    const p = await makeProgram({ name: `Acme <b>"&'` });
    await enrol(p, {
      id: "u1",
      email: "mallory@evil.test",
      name: `<script>alert(1)</script><img src=x onerror=alert(2)>`,
    });
    const [row] = await outboxOf(p.id);
    await deliver([row!.id], Date.now() + 1000);
    const [m] = await localMessages(row!.id);
    expect(m?.to_address).toBe("mallory@evil.test");
    expect(m?.html).not.toContain("<script>");
    expect(m?.html).not.toContain("<img");
    expect(m?.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(m?.html).toContain("Acme &lt;b&gt;&quot;&amp;&#39;");
    const headers = JSON.parse(m!.headers) as Record<string, string>;
    expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(headers["List-Unsubscribe"]).toMatch(
      new RegExp(`^<${API}/u/ous1\\.${p.id}\\.${row!.member_id}\\.[\\w-]{43}>$`),
    );
    // Every portal link is a One Click Access link for this member that verifies.
    const links = [...m!.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1] as string);
    const portal = links.filter((l) => l.includes("/o/"));
    expect(portal.length).toBeGreaterThan(0);
    expect(links.every((l) => l.includes("/o/") || l.includes("/u/"))).toBe(true);
    const token = portal[0]!.slice(portal[0]!.lastIndexOf("/") + 1);
    const program = await env.DB.prepare("SELECT token_secret FROM programs WHERE id = ?")
      .bind(p.id)
      .first<{ token_secret: string }>();
    const verdict = await verifyAccessToken({ id: p.id, tokenSecret: program!.token_secret }, token, "portal");
    expect(verdict).toMatchObject({ ok: true, claims: { memberId: row!.member_id } });
    expect(m?.text).toContain(`${API}/o/${token}`);
    expect(m?.text).toContain(headers["List-Unsubscribe"]!.slice(1, -1));

    const list = await SELF.fetch(`${API}/dev/mail`);
    expect(list.status).toBe(200);
    const listed = await list.text();
    expect(listed).toContain(`/dev/mail/${m!.id}`);
    const shown = await SELF.fetch(`${API}/dev/mail/${m!.id}`);
    expect(await shown.text()).toBe(m!.html);
    expect(shown.headers.get("content-security-policy")).toContain("default-src 'none'");
    const text = await (await SELF.fetch(`${API}/dev/mail/${m!.id}/text`)).text();
    expect(text).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    expect(text).toContain(m!.text);
  });

  it("speaks German when the program's page does", async () => {
    const p = await makeProgram({}, { rules: memberRewardNow });
    const patched = await server(p, "PATCH", "/v1/program", { page_language: "de", brand_color: "#0f766e" });
    expect(patched.res.status).toBe(200);
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    await server(p, "POST", "/v1/conversions", {
      email: "sam@initech.test",
      code: member.code,
      value_cents: 9_900,
      currency: "USD",
    });
    const rows = await outboxOf(p.id);
    await deliver(
      rows.map((r) => r.id),
      Date.now() + 1000,
    );
    const byKind = new Map<string, { subject: string; html: string; text: string }>();
    for (const r of rows) byKind.set(r.kind, (await localMessages(r.id))[0]!);
    expect(byKind.get("welcome")?.subject).toBe(`Ihr Empfehlungslink für ${await programName(p.id)}`);
    expect(byKind.get("welcome")?.html).toContain('lang="de"');
    expect(byKind.get("welcome")?.html).toContain("background:#0f766e");
    expect(byKind.get("welcome")?.text).toContain("Hallo Dana,");
    expect(byKind.get("friend_converted")?.subject).toContain("ist jetzt Kunde von");
    expect(byKind.get("reward_approved")?.text).toMatch(/Ihre Prämie über 100\s\$ ist freigegeben\./);
    expect(byKind.get("reward_approved")?.text).toContain("Abmelden: ");
  });

  it("stops mail to a member who unsubscribed with one click (RFC 8058)", async () => {
    const p = await makeProgram({}, { rules: memberRewardNow });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const [welcome] = await outboxOf(p.id);
    await deliver([welcome!.id], Date.now() + 1000);
    const headers = JSON.parse((await localMessages(welcome!.id))[0]!.headers) as Record<string, string>;
    const url = headers["List-Unsubscribe"]!.slice(1, -1);

    // What a mail client does: POST the header's URL with List-Unsubscribe=One-Click.
    const res = await SELF.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    // Twice is fine.
    expect((await SELF.fetch(url, { method: "POST", body: "List-Unsubscribe=One-Click" })).status).toBe(200);
    // A GET only shows the button (link scanners follow GETs).
    expect(await (await SELF.fetch(url)).text()).toContain('method="post"');
    // A forged or altered token does nothing.
    const forged = `${url.slice(0, -3)}${url.endsWith("AAA") ? "BBB" : "AAA"}`;
    expect((await SELF.fetch(forged, { method: "POST" })).status).toBe(400);

    await server(p, "POST", "/v1/conversions", {
      email: "sam@initech.test",
      code: member.code,
      value_cents: 9_900,
      currency: "USD",
    });
    const later = (await outboxOf(p.id)).filter((r) => r.kind !== "welcome");
    expect(later).toHaveLength(2);
    await deliver(
      later.map((r) => r.id),
      Date.now() + 1000,
    );
    for (const r of await outboxOf(p.id)) if (r.kind !== "welcome") expect(r.state).toBe("skipped");
    for (const r of later) expect(await localMessages(r.id)).toEqual([]);
  });
});

async function programName(id: string) {
  return (await env.DB.prepare("SELECT name FROM programs WHERE id = ?").bind(id).first<{ name: string }>())?.name;
}

describe("Resend", () => {
  it("sends Resend's request: Bearer key, JSON from/to/subject/html/text/headers, our idempotency key", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const [row] = await outboxOf(p.id);
    const resend = fakeResend();
    const e = testEnv({ EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test123", RESEND_API_URL: resend.url });
    const result = await deliver([row!.id], Date.now() + 1000, e);
    expect(result.retryMessages).toEqual([]);
    const [req] = await resend.log();
    expect(req?.headers.authorization).toBe("Bearer re_test123");
    expect(req?.headers["idempotency-key"]).toBe(`welcome:${member.id}`);
    expect(req?.body).toMatchObject({
      from: `"${await programName(p.id)}" <rewards@acme.test>`,
      to: ["dana@ledgerly.test"],
      subject: expect.stringContaining("Your referral link"),
      html: expect.stringContaining("<!doctype html>"),
      text: expect.stringContaining("Hi Dana,"),
      headers: {
        "List-Unsubscribe": expect.stringMatching(/^<https:.+\/u\/ous1\./),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    });
    const [after] = await outboxOf(p.id);
    expect(after).toMatchObject({ state: "sent", last_status: 200 });
    expect(after?.provider_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("retries a 429 (after Retry-After) and a 500, then sends; a 422 is final", async () => {
    const p = await makeProgram();
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await enrol(p, { id: "u2", email: "lee@ledgerly.test" });
    const [a, b] = await outboxOf(p.id);
    const resend = fakeResend();
    const e = testEnv({ EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test123", RESEND_API_URL: resend.url });
    await resend.replies([
      {
        status: 429,
        body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests." },
        headers: { "retry-after": "120" },
      },
      { status: 500, body: { statusCode: 500, name: "application_error", message: "Internal server error." } },
    ]);
    let now = Date.now() + 1000;
    let r = await deliver([a!.id], now, e);
    expect(r.retryMessages).toHaveLength(1);
    let row = (await outboxOf(p.id)).find((x) => x.id === a!.id)!;
    expect(row).toMatchObject({ state: "pending", attempts: 1, last_status: 429 });
    expect(row.next_attempt_at).toBe(now + 120_000); // Retry-After beat the first delay (60 s)
    // Not due yet: a copy of the message that arrives early sends nothing.
    await deliver([a!.id], now + 1000, e);
    expect(await resend.log()).toHaveLength(1);
    now = row.next_attempt_at;
    r = await deliver([a!.id], now, e);
    expect(r.retryMessages).toHaveLength(1);
    row = (await outboxOf(p.id)).find((x) => x.id === a!.id)!;
    expect(row).toMatchObject({ state: "pending", attempts: 2, last_status: 500 });
    expect(row.last_error).toContain("application_error");
    now = row.next_attempt_at;
    r = await deliver([a!.id], now, e);
    expect(r.retryMessages).toEqual([]);
    expect((await outboxOf(p.id)).find((x) => x.id === a!.id)).toMatchObject({
      state: "sent",
      attempts: 3,
      last_status: 200,
    });
    expect(await resend.log()).toHaveLength(3);

    await resend.replies([
      { status: 422, body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field." } },
    ]);
    r = await deliver([b!.id], now, e);
    expect(r.retryMessages).toEqual([]);
    expect((await outboxOf(p.id)).find((x) => x.id === b!.id)).toMatchObject({
      state: "failed",
      last_status: 422,
      last_error: expect.stringContaining("validation_error"),
    });
  });

  it("gives up after the last attempt", async () => {
    const p = await makeProgram();
    await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    const [a] = await outboxOf(p.id);
    const resend = fakeResend();
    await resend.replies(
      Array.from({ length: 8 }, () => ({
        status: 503,
        body: { statusCode: 503, name: "application_error", message: "Service unavailable." },
      })),
    );
    const e = testEnv({ EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test123", RESEND_API_URL: resend.url });
    let now = Date.now() + 1000;
    for (let i = 0; i < 10; i++) {
      const r = await deliver([a!.id], now, e);
      const row = (await outboxOf(p.id))[0]!;
      if (r.retryMessages.length === 0) break;
      now = row.next_attempt_at;
    }
    expect((await outboxOf(p.id))[0]).toMatchObject({ state: "failed", attempts: 6, last_status: 503 });
    expect(await resend.log()).toHaveLength(6);
  });
});

describe("rendering", () => {
  it("escapes every value from a person in the HTML", () => {
    const out = renderEmail({
      kind: "reward_approved",
      lang: "en",
      program: { name: "<i>Acme</i>", brandColor: "red;background:url(x)" },
      member: { name: '"><svg onload=alert(1)>', code: "DANA2345" },
      referralLink: "https://www.acme.test/?via=DANA2345",
      portalUrl: "https://api.acme.test/o/x",
      unsubscribeUrl: "https://api.acme.test/u/y",
      reward: { kind: "custom", amount: 1, currency: null, description: "<b>T-shirt</b>" },
    });
    expect(out.html).not.toMatch(/<svg|<i>|<b>|url\(x\)/);
    expect(out.html).toContain("&lt;b&gt;T-shirt&lt;/b&gt;");
    expect(out.html).toContain("background:#4f46e5"); // an unusable colour falls back to the default
    expect(out.subject).toBe("Your <i>Acme</i> reward is approved"); // a subject is plain text
  });
});
