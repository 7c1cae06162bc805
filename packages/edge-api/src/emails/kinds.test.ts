import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { API, browser, enrol, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { rulesBodyExample } from "../openapi/examples";
import { consumeEmails, type EmailEnv, type EmailMessage } from "./outbox";
import { cloudflareProvider, providerFor } from "./providers";
import { monthName, renderEmail } from "./render";
import { writeDueSummaries } from "./summary";

/** The kinds added in migration 0013: friend_signed_up, reward_paid, monthly_summary; settings and opt-outs. */

const testEnv = (over: Partial<EmailEnv> = {}): EmailEnv => ({
  ...env,
  EMAIL_PROVIDER: "local",
  PUBLIC_URL: API,
  EMAIL_FROM: "r@acme.test",
  ...over,
});

async function outbox(programId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, member_id, kind, cause_id, dedupe_key, state FROM email_outbox WHERE program_id = ? ORDER BY created_at, rowid",
  )
    .bind(programId)
    .all<{ id: string; member_id: string; kind: string; cause_id: string; dedupe_key: string; state: string }>();
  return results;
}

async function deliver(ids: string[], now = Date.now() + 1000, e = testEnv()) {
  const batch = createMessageBatch<EmailMessage>(
    "vouch-emails",
    ids.map((id, i) => ({ id: `${id}-${i}`, timestamp: new Date(now), attempts: 1, body: { email_id: id } })),
  );
  await consumeEmails(batch, e, { now: () => now });
  return getQueueResult(batch, createExecutionContext());
}

async function message(outboxId: string) {
  return env.DB.prepare("SELECT subject, html, text FROM email_local_messages WHERE outbox_id = ?")
    .bind(outboxId)
    .first<{ subject: string; html: string; text: string }>();
}

const payNow = {
  ...rulesBodyExample,
  rules: rulesBodyExample.rules.map((r) => (r.recipient === "member" ? { ...r, hold_days: 0 } : r)),
};

async function qualify(p: TestProgram, code: string, email: string, status: "qualified" | "converted" = "qualified") {
  const body = { email, code, status, value_cents: 9_900, currency: "USD" };
  return server(p, "POST", "/v1/conversions", body);
}

describe("friend_signed_up and reward_paid", () => {
  it("writes each once per cause, in the change's own transaction, and renders them", async () => {
    const p = await makeProgram({}, { rules: payNow });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const lead = await qualify(p, member.code, "sam.lee@initech.test");
    expect(lead.res.status).toBe(201);
    await qualify(p, member.code, "sam.lee@initech.test"); // the same report again
    const converted = await qualify(p, member.code, "sam.lee@initech.test", "converted");
    expect(converted.res.status).toBe(200);
    // A referral created already converted is told by friend_converted alone.
    await qualify(p, member.code, "kim@globex.test", "converted");
    const referralId = lead.json.referral.id as string;
    const rewardIds = (await outbox(p.id)).filter((r) => r.kind === "reward_approved").map((r) => r.cause_id);
    expect(rewardIds).toHaveLength(2);
    const paid = await server(p, "POST", "/v1/rewards/pay", { ids: rewardIds, payout_reference: "june" });
    expect(paid.res.status).toBe(201);
    await server(p, "POST", "/v1/rewards/pay", { ids: rewardIds, payout_reference: "june" }); // skipped: paid
    const rows = await outbox(p.id);
    expect(rows.filter((r) => r.kind === "friend_signed_up").map((r) => r.dedupe_key)).toEqual([
      `friend_signed_up:${referralId}`,
    ]);
    expect(
      rows
        .filter((r) => r.kind === "reward_paid")
        .map((r) => r.cause_id)
        .sort(),
    ).toEqual([...rewardIds].sort());

    const signedUp = rows.find((r) => r.kind === "friend_signed_up")!;
    const rewardPaid = rows.find((r) => r.kind === "reward_paid")!;
    await deliver([signedUp.id, rewardPaid.id]);
    const a = await message(signedUp.id);
    expect(a?.subject).toContain("signed up");
    expect(a?.text).toContain("s•••@i•••.test signed up"); // no name given: the address masked, as in the portal
    expect(a?.html).not.toContain("sam.lee");
    const b = await message(rewardPaid.id);
    expect(b?.text).toMatch(/Your reward of \$100 is paid out\./);
  });

  it("writes no reward_paid when the change that pays rolls back", async () => {
    const p = await makeProgram({}, { rules: payNow });
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await qualify(p, member.code, "sam@initech.test", "converted");
    const reward = (await outbox(p.id)).find((r) => r.kind === "reward_approved")!;
    const pay = env.DB.prepare("UPDATE rewards SET state = 'paid', paid_at = ? WHERE id = ?").bind(
      Date.now(),
      reward.cause_id,
    );
    // The batch's last statement fails (a duplicate key): the payment and its email roll back together.
    const dup = () =>
      env.DB.prepare("INSERT INTO email_opt_outs (member_id, kind, program_id, created_at) VALUES (?, 'x', ?, 1)").bind(
        member.id,
        p.id,
      );
    await expect(env.DB.batch([pay, dup(), dup()])).rejects.toThrow();
    const state = await env.DB.prepare("SELECT state FROM rewards WHERE id = ?").bind(reward.cause_id).first();
    expect(state).toEqual({ state: "approved" });
    expect((await outbox(p.id)).filter((r) => r.kind === "reward_paid")).toEqual([]);
  });

  it("writes no friend_signed_up when the program turned it off (PATCH /v1/program/email-settings)", async () => {
    const p = await makeProgram();
    const off = await server(p, "PATCH", "/v1/program/email-settings", { friend_signed_up: false });
    expect(off.res.status).toBe(200);
    expect(off.json.email_settings).toMatchObject({ friend_signed_up: false, welcome: true, monthly_summary: true });
    expect((await server(p, "GET", "/v1/program/email-settings")).json.email_settings.friend_signed_up).toBe(false);
    expect((await server(p, "PATCH", "/v1/program/email-settings", { nope: true })).res.status).toBe(422);
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await qualify(p, member.code, "sam@initech.test");
    expect((await outbox(p.id)).map((r) => r.kind)).toEqual(["welcome"]);
  });
});

describe("the monthly summary", () => {
  // The 1st and 2nd of next month, 00:05 UTC: the summary's leaderboard month is this one, when the tests convert.
  const today = new Date();
  const first = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1, 0, 5);
  const second = first + 24 * 3600 * 1000;
  const nextMonth = new Date(first).toISOString().slice(0, 7);

  it("the cron on the 1st writes one per member however often it runs, none on the 2nd; skips who should be", async () => {
    const p = await makeProgram({}, { rules: payNow });
    const { member: dana } = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const { member: lee } = await enrol(p, { id: "u2", email: "lee@ledgerly.test" });
    const { member: idle } = await enrol(p, { id: "u3", email: "idle@ledgerly.test" }); // nothing to report
    const { member: gone } = await enrol(p, { id: "u4", email: "gone@ledgerly.test" });
    const { member: quiet } = await enrol(p, { id: "u5", email: "quiet@ledgerly.test" });
    await qualify(p, dana.code, "sam.lee@initech.test", "converted");
    await qualify(p, dana.code, "kim@globex.test");
    await qualify(p, lee.code, "pat@umbrella.test");
    await qualify(p, gone.code, "max@hooli.test");
    await qualify(p, quiet.code, "ann@hooli.test");
    await env.DB.prepare("INSERT INTO email_unsubscribes (member_id, program_id, created_at) VALUES (?, ?, ?)")
      .bind(gone.id, p.id, Date.now())
      .run();
    await env.DB.prepare(
      "INSERT INTO email_opt_outs (member_id, kind, program_id, created_at) VALUES (?, 'monthly_summary', ?, ?)",
    )
      .bind(quiet.id, p.id, Date.now())
      .run();

    expect(await writeDueSummaries(env.DB, second)).toBe(0);
    await writeDueSummaries(env.DB, first);
    await writeDueSummaries(env.DB, first + 60_000);
    await writeDueSummaries(env.DB, first + 3_600_000);
    const summaries = (await outbox(p.id)).filter((r) => r.kind === "monthly_summary");
    expect(summaries.map((r) => r.member_id).sort()).toEqual([dana.id, lee.id].sort());
    expect(summaries.map((r) => r.dedupe_key)).toContain(`monthly_summary:${dana.id}:${nextMonth}`);
    expect(summaries.some((r) => r.member_id === idle.id)).toBe(false);

    const danas = summaries.find((r) => r.member_id === dana.id)!;
    await deliver([danas.id], first + 1000);
    const m = await message(danas.id);
    expect(m?.subject).toBe(`Your ${await programName(p.id)} referrals: ${monthName("en", nextMonth)}`);
    expect(m?.text).toContain("Your referrals (2)");
    expect(m?.text).toContain("- s•••@i•••.test: Customer"); // masked as the portal does, and the status
    expect(m?.text).toContain("- k•••@g•••.test: Qualified");
    expect(m?.text).toMatch(/\$100 earned, \$0 on hold/);
    expect(m?.html).toContain("https://www.linkedin.com/feed/?shareActive=true");
    expect(m?.html).toContain(`${API}/o/`);
    expect(m?.html).toContain("mailto:?subject=");
    // Dana's customer this month puts her first on this month's leaderboard.
    expect(m?.text).toContain(`You were #1 on the leaderboard in ${monthName("en", monthNow())}.`);
  });

  it("POST /v1/emails/monthly-summary writes this month's once; a program that turned it off gets none", async () => {
    const p = await makeProgram();
    const { member } = await enrol(p, { id: "u1", email: "dana@ledgerly.test" });
    await qualify(p, member.code, "sam@initech.test");
    const a = await server(p, "POST", "/v1/emails/monthly-summary");
    expect(a.json).toEqual({ month: monthNow(), written: 1, more: false });
    const b = await server(p, "POST", "/v1/emails/monthly-summary");
    expect(b.json).toEqual({ month: monthNow(), written: 0, more: false });
    expect((await outbox(p.id)).filter((r) => r.kind === "monthly_summary")).toHaveLength(1);

    const q = await makeProgram();
    const { member: m2 } = await enrol(q, { id: "u1", email: "dana@ledgerly.test" });
    await qualify(q, m2.code, "sam@initech.test");
    await server(q, "PATCH", "/v1/program/email-settings", { monthly_summary: false });
    expect((await server(q, "POST", "/v1/emails/monthly-summary")).json.written).toBe(0);
    await writeDueSummaries(env.DB, Date.UTC(2027, 5, 1));
    expect((await outbox(q.id)).filter((r) => r.kind === "monthly_summary")).toEqual([]);
  });
});

const monthNow = () => new Date().toISOString().slice(0, 7);

async function programName(id: string) {
  return (await env.DB.prepare("SELECT name FROM programs WHERE id = ?").bind(id).first<{ name: string }>())?.name;
}

/** The fake Postmark of this test's own (test/fakes/postmark.ts). */
function fakePostmark(name = `pm${crypto.randomUUID().slice(0, 8)}`) {
  const url = `${inject("receiverUrl")}/postmark/${name}`;
  return {
    env: testEnv({ EMAIL_PROVIDER: "postmark", POSTMARK_SERVER_TOKEN: "pm-server-token", POSTMARK_API_URL: url }),
    async replies(r: { status: number; body: unknown }[]) {
      await fetch(`${url}/control`, { method: "PUT", body: JSON.stringify(r) });
    },
    async log(): Promise<{ headers: Record<string, string>; body: any }[]> {
      return (await fetch(`${url}/log`)).json();
    },
  };
}

async function row(id: string) {
  return env.DB.prepare(
    "SELECT state, attempts, last_status, last_error, provider_id, next_attempt_at FROM email_outbox WHERE id = ?",
  )
    .bind(id)
    .first<{
      state: string;
      attempts: number;
      last_status: number;
      last_error: string;
      provider_id: string;
      next_attempt_at: number;
    }>();
}

describe("moment_invite (migration 0017)", () => {
  it("a server moment whose setting says email invites the member once per nudge; a browser moment and the program's switch do not", async () => {
    const p = await makeProgram({ name: "Ledgerly" });
    const words = { en: "Thanks for renewing {program}! Know a team that would like it?" };
    const set = await server(p, "PATCH", "/v1/program", { moments: { renewed: { email: true, message: words } } });
    expect(set.res.status).toBe(200);
    const dana = await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const boris = await enrol(p, { id: "u2", email: "boris@ledgerly.test", name: "Boris" });
    const renewed = await server(p, "POST", `/v1/members/${dana.member.id}/moments`, { moment: "renewed" });
    expect(renewed.json.moment).toMatchObject({ moment: "renewed", nudged: true, emailed: true });
    // Within the cooldown: no nudge, so no second email.
    const again = await server(p, "POST", `/v1/members/${dana.member.id}/moments`, { moment: "renewed" });
    expect(again.json.moment).toMatchObject({ nudged: false, emailed: false });
    // A moment whose setting does not say email nudges only.
    const solved = await server(p, "POST", `/v1/members/${dana.member.id}/moments`, { moment: "support_resolved" });
    expect(solved.json.moment).toMatchObject({ nudged: true, emailed: false });
    // From the browser the nudge shows right then: no email on top.
    const fromPage = await browser(p, "/v1/track/moment", { member_token: boris.member_token, moment: "renewed" });
    expect(fromPage.json.nudge.moment).toBe("renewed");

    const invites = (await outbox(p.id)).filter((r) => r.kind === "moment_invite");
    expect(invites).toEqual([
      expect.objectContaining({
        member_id: dana.member.id,
        cause_id: renewed.json.moment.id,
        dedupe_key: `moment_invite:${renewed.json.moment.id}`,
      }),
    ]);
    await deliver(invites.map((r) => r.id));
    const sent = await message((invites[0] as { id: string }).id);
    expect(sent?.subject).toBe("Thanks for renewing Ledgerly! Know a team that would like it?");
    expect(sent?.text).toContain("Hi Dana,");
    expect(sent?.text).toContain(`Your code: ${dana.member.code}`);
    expect(sent?.text).toContain(`Your link: https://www.acme.test/?via=${dana.member.code}`);
    expect(sent?.text).toContain(`Open your referral page: ${API}/o/oca1.portal.`);
    expect(sent?.html).toContain("Thanks for renewing Ledgerly! Know a team that would like it?");

    // The program turns the kind off: the nudge still comes, the email does not.
    const off = await server(p, "PATCH", "/v1/program/email-settings", { moment_invite: false });
    expect(off.json.email_settings.moment_invite).toBe(false);
    const later = await server(p, "POST", `/v1/members/${boris.member.id}/moments`, { moment: "renewal_upgrade" });
    expect(later.json.moment).toMatchObject({ nudged: true, emailed: false });
    await server(p, "PATCH", "/v1/program", { moments: { "*": { email: true } } });
    const catchAll = await server(p, "POST", `/v1/members/${boris.member.id}/moments`, { moment: "seats_added" });
    expect(catchAll.json.moment).toMatchObject({ nudged: true, emailed: false });
    await server(p, "PATCH", "/v1/program/email-settings", { moment_invite: true });
    const on = await server(p, "POST", `/v1/members/${boris.member.id}/moments`, { moment: "seats_removed" });
    expect(on.json.moment).toMatchObject({ nudged: true, emailed: true });
  });
});

describe("Cloudflare Email Service (send_email binding)", () => {
  it("sends through the binding's builder; a sender it refuses is retried, a coded refusal is final", async () => {
    const p = await makeProgram({ name: "Ledgerly" });
    await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    await enrol(p, { id: "u2", email: "boris@ledgerly.test", name: "Boris" });
    const [dana, boris] = (await outbox(p.id)).filter((r) => r.kind === "welcome");
    const sent = await deliver(
      [dana!.id],
      Date.now() + 1000,
      testEnv({
        EMAIL_PROVIDER: "cloudflare",
        EMAIL_FROM: "Rewards <rewards@vouch.test>",
      }),
    );
    expect(sent.retryMessages).toEqual([]);
    const row = (id: string) =>
      env.DB.prepare("SELECT state, provider, provider_id, last_error FROM email_outbox WHERE id = ?")
        .bind(id)
        .first<{ state: string; provider: string; provider_id: string | null; last_error: string | null }>();
    expect(await row(dana!.id)).toMatchObject({ state: "sent", provider: "cloudflare", last_error: null });
    expect((await row(dana!.id))?.provider_id).toMatch(/@/); // the binding's Message-ID

    // The binding allows one sender; another is refused (locally without a code): retried, not lost.
    const refused = await deliver(
      [boris!.id],
      Date.now() + 1000,
      testEnv({
        EMAIL_PROVIDER: "cloudflare",
        EMAIL_FROM: "elsewhere@other.test",
      }),
    );
    expect(refused.retryMessages).toHaveLength(1);
    expect(await row(boris!.id)).toMatchObject({ state: "pending" });
    expect((await row(boris!.id))?.last_error).toContain("not allowed");

    // Cloudflare's documented refusals carry a string code; one about the recipient is final.
    const refusing = (code: string, message: string) =>
      cloudflareProvider({
        send: async () => {
          throw Object.assign(new Error(message), { code });
        },
      } as unknown as SendEmail);
    const suppressed = refusing("E_RECIPIENT_SUPPRESSED", "Recipient is on suppression list");
    const email = {
      outboxId: "x",
      programId: p.id,
      from: "rewards@vouch.test",
      to: "a@b.test",
      subject: "s",
      html: "h",
      text: "t",
      headers: {},
      idempotencyKey: "k",
    };
    expect(await suppressed.send(email)).toMatchObject({
      ok: false,
      retry: false,
      error: "E_RECIPIENT_SUPPRESSED: Recipient is on suppression list",
    });
    const limited = refusing("E_RATE_LIMIT_EXCEEDED", "Daily sending limit exceeded");
    expect(await limited.send(email)).toMatchObject({ ok: false, retry: true });
    // Chosen without its binding, the deployment says what is missing.
    expect(() => providerFor({ DB: env.DB, EMAIL_PROVIDER: "cloudflare" })).toThrow(
      /send_email binding named SEND_EMAIL/,
    );
  });
});

describe("Postmark", () => {
  it("sends Postmark's request: server token, JSON From/To/Subject/HtmlBody/TextBody/Headers/MessageStream", async () => {
    const p = await makeProgram();
    await enrol(p, { id: "u1", email: "dana@ledgerly.test", name: "Dana" });
    const [welcome] = await outbox(p.id);
    const pm = fakePostmark();
    const result = await deliver([welcome!.id], Date.now() + 1000, pm.env);
    expect(result.retryMessages).toEqual([]);
    const [req] = await pm.log();
    expect(req?.headers["x-postmark-server-token"]).toBe("pm-server-token");
    expect(req?.headers.accept).toBe("application/json");
    expect(req?.body).toEqual({
      From: `"${await programName(p.id)}" <r@acme.test>`,
      To: "dana@ledgerly.test",
      Subject: expect.stringContaining("Your referral link"),
      HtmlBody: expect.stringContaining("<!doctype html>"),
      TextBody: expect.stringContaining("Hi Dana,"),
      Headers: [
        { Name: "List-Unsubscribe", Value: expect.stringMatching(/^<https:.+\/u\/ous1\./) },
        { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
      ],
      MessageStream: "outbound",
      Metadata: { outbox_id: welcome!.id },
    });
    expect(await row(welcome!.id)).toMatchObject({ state: "sent", last_status: 200 });
    expect((await row(welcome!.id))?.provider_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("retries a 429 and a 500, then sends; a 422 (406 inactive recipient, 300 invalid request) is final", async () => {
    const p = await makeProgram();
    for (const id of ["u1", "u2", "u3"]) await enrol(p, { id, email: `${id}@ledgerly.test` });
    const [a, b, c] = await outbox(p.id);
    const pm = fakePostmark();
    await pm.replies([
      { status: 429, body: { ErrorCode: 429, Message: "Rate limit exceeded." } },
      { status: 500, body: { ErrorCode: 0, Message: "Internal server error." } },
    ]);
    let now = Date.now() + 1000;
    expect((await deliver([a!.id], now, pm.env)).retryMessages).toHaveLength(1);
    expect(await row(a!.id)).toMatchObject({ state: "pending", attempts: 1, last_status: 429 });
    now = (await row(a!.id))!.next_attempt_at;
    expect((await deliver([a!.id], now, pm.env)).retryMessages).toHaveLength(1);
    expect(await row(a!.id)).toMatchObject({ state: "pending", attempts: 2, last_status: 500 });
    now = (await row(a!.id))!.next_attempt_at;
    expect((await deliver([a!.id], now, pm.env)).retryMessages).toEqual([]);
    expect(await row(a!.id)).toMatchObject({ state: "sent", attempts: 3, last_status: 200 });

    await pm.replies([
      {
        status: 422,
        body: { ErrorCode: 406, Message: "You tried to send to recipient(s) that have been marked as inactive." },
      },
      { status: 422, body: { ErrorCode: 300, Message: "Invalid email request" } },
    ]);
    expect((await deliver([b!.id, c!.id], now, pm.env)).retryMessages).toEqual([]);
    expect(await row(b!.id)).toMatchObject({
      state: "failed",
      last_status: 422,
      last_error: expect.stringContaining("ErrorCode 406"),
    });
    expect(await row(c!.id)).toMatchObject({
      state: "failed",
      last_status: 422,
      last_error: expect.stringContaining("ErrorCode 300"),
    });
    expect(await pm.log()).toHaveLength(5);
  });
});

describe("rendering the new kinds", () => {
  it("speaks German in the summary, and escapes what people wrote", () => {
    const out = renderEmail({
      kind: "monthly_summary",
      lang: "de",
      program: { name: "Acme", brandColor: "#0f766e" },
      member: { name: "Dana", code: "DANA2345" },
      referralLink: "https://www.acme.test/?via=DANA2345",
      portalUrl: "https://api.acme.test/o/x",
      unsubscribeUrl: "https://api.acme.test/u/y",
      reward: null,
      summary: {
        month: "2026-12",
        referrals: [{ label: "<b>Sam</b>", status: "Kunde" }],
        referralCount: 3,
        money: [{ currency: "EUR", earned: 10_000, pending: 5_000 }],
        freeMonths: { earned: 0, pending: 0 },
        milestone: null,
        rank: { rank: 2, month: "2026-11" },
        share: [{ label: "E-Mail", url: "mailto:?subject=x" }],
      },
    });
    expect(out.subject).toBe("Ihre Empfehlungen bei Acme: Dezember 2026");
    expect(out.text).toContain("Ihre Empfehlungen (3)");
    expect(out.text).toContain("…und 2 weitere auf Ihrer Seite.");
    expect(out.text).toMatch(/100\s€ verdient, 50\s€ zurückgehalten/);
    expect(out.text).toContain("Sie waren im November 2026 auf Platz 2 der Bestenliste.");
    expect(out.html).toContain("&lt;b&gt;Sam&lt;/b&gt;");
    expect(out.html).not.toContain("<b>Sam");
  });
});
