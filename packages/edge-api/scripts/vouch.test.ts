import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { describeOffer } from "../src/rewards/offer";
import { rulesetSchema } from "../src/rewards/schema";
import { API_DIR, migrate, querySql } from "./d1";
import { createProgramRequest, UsageError } from "./program-flags";

const base = { name: "Acme", "landing-url": "https://acme.test" };

describe("create-program flags", () => {
  it("--give/--get/--currency make the two-sided rules: friend paid at once, member held 14 days", () => {
    const { input, rules } = createProgramRequest({ ...base, give: "100", get: "49.5", currency: "usd" });
    expect(input).toMatchObject({ name: "Acme", offer_text: "" });
    const config = rulesetSchema.parse(rules);
    expect(config.rules.map((r) => [r.id, r.recipient, r.trigger, r.kind, r.amount, r.currency, r.hold_days])).toEqual([
      ["friend-reward", "friend", "converted", "account_credit", { type: "flat", value: 10_000 }, "USD", 0],
      ["member-reward", "member", "converted", "account_credit", { type: "flat", value: 4_950 }, "USD", 14],
    ]);
    expect(describeOffer(config)).toBe("Give $100, get $49.50.");
  });

  it("--hold-days and --kind change the member's hold and the kind; one side alone is fine", () => {
    const { rules } = createProgramRequest({ ...base, get: "5000", currency: "JPY", "hold-days": "30", kind: "cash" });
    const config = rulesetSchema.parse(rules);
    expect(config.rules).toHaveLength(1);
    expect(config.rules[0]).toMatchObject({ recipient: "member", kind: "cash", hold_days: 30, currency: "JPY" });
    expect(config.rules[0]?.amount).toEqual({ type: "flat", value: 5_000 });
    expect(describeOffer(config)).toBe("Get ¥5,000 for every customer you refer.");
  });

  it("--offer stays an override and no rule flags means no rules", () => {
    const { input, rules } = createProgramRequest({ ...base, offer: "Two months free for you both." });
    expect(input.offer_text).toBe("Two months free for you both.");
    expect(rules).toBeNull();
  });

  it("refuses bad input with a message that says what to type", () => {
    const refusal = (flags: Record<string, string>) => {
      try {
        createProgramRequest({ ...base, ...flags });
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(refusal({ give: "100" })).toBe("--currency is required with --give/--get, e.g. --currency USD");
    expect(refusal({ give: "100", currency: "dollars" })).toMatch(/^--currency dollars is not an ISO 4217/);
    expect(refusal({ give: "100", currency: "XQQ" })).toMatch(/^--currency XQQ is not an ISO 4217/);
    expect(refusal({ give: "$100", currency: "USD" })).toBe(
      '--give: "$100" is not an amount. Type a plain number of USD, like 100 or 49.50.',
    );
    expect(refusal({ get: "10.001", currency: "USD" })).toBe('--get: USD has 2 decimals: "10.001" has more.');
    expect(refusal({ get: "0", currency: "USD" })).toMatch(/^--get: "0" is not more than zero/);
    expect(refusal({ get: "10", currency: "USD", kind: "free_months" })).toMatch(
      /^--kind must be one of account_credit/,
    );
    expect(refusal({ get: "10", currency: "USD", "hold-days": "two weeks" })).toMatch(/^--hold-days must be a whole/);
    expect(refusal({ get: "10", currency: "USD", "hold-days": "400" })).toBe("--hold-days is at most 365");
    expect(refusal({ currency: "USD" })).toBe("--currency only go with --give and/or --get");
    expect(refusal({ name: "" })).toBe("--name is required");
  });
});

/** One real run: `pnpm vouch create-program` writes the program and its rules to a local D1 through wrangler. */
describe("pnpm vouch create-program (real local D1)", () => {
  const persistTo = mkdtempSync(path.join(tmpdir(), "vouch-cli-"));
  const target = { mode: "local" as const, persistTo };
  afterAll(() => rmSync(persistTo, { recursive: true, force: true }));

  const vouch = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [path.join(API_DIR, "../../node_modules/tsx/dist/cli.mjs"), "scripts/vouch.ts", ...args],
      {
        cwd: API_DIR,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      },
    );

  it("stores version 1 of the rules beside the program, exactly as the API would, and prints the offer", async () => {
    await migrate(target);
    const { stdout, stderr } = await vouch(
      "create-program",
      "--persist-to",
      persistTo,
      "--name",
      "Acme",
      "--landing-url",
      "https://acme.test",
      "--give",
      "100",
      "--get",
      "100",
      "--currency",
      "USD",
    );
    expect(stdout).toContain('offer             "Give $100, get $100."');
    expect(stderr).not.toContain("no reward rules");
    const programId = /program id\s+(prg_\S+)/.exec(stdout)?.[1];
    const rows = await querySql<{ program_id: string; version: number; config: string; offer_text: string }>(
      target,
      "SELECT r.program_id, r.version, r.config, p.offer_text FROM reward_rules r JOIN programs p ON p.id = r.program_id",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ program_id: programId, version: 1, offer_text: "" });
    // The stored JSON is the schema's output, which is what PUT /v1/reward-rules stores for the same rules.
    const stored = JSON.parse(rows[0]?.config ?? "null");
    expect(rows[0]?.config).toBe(JSON.stringify(rulesetSchema.parse(stored)));
    expect(describeOffer(rulesetSchema.parse(stored))).toBe("Give $100, get $100.");
  });

  it("warns about a program without rules and shows the request that adds them; bad input exits 2", async () => {
    const { stdout, stderr } = await vouch(
      "create-program",
      "--persist-to",
      persistTo,
      "--name",
      "Bare",
      "--landing-url",
      "https://bare.test",
    );
    expect(stdout).toContain("reward rules      none");
    const secretKey = /secret key\s+(vch_sk_\S+)/.exec(stdout)?.[1];
    expect(stderr).toContain("Warning: this program has no reward rules, so referrals earn nothing");
    expect(stderr).toContain("curl -X PUT http://localhost:8787/v1/reward-rules");
    expect(stderr).toContain(`-H "Authorization: Bearer ${secretKey}"`);
    expect(stderr).toContain("--give 100 --get 100 --currency USD");
    const body = /-d '(.*)'/.exec(stderr)?.[1];
    expect(describeOffer(rulesetSchema.parse(JSON.parse(body ?? "null")))).toBe("Give $100, get $100.");

    const refused = await vouch(
      "create-program",
      "--persist-to",
      persistTo,
      "--name",
      "X",
      "--landing-url",
      "https://x.test",
      "--give",
      "1,000",
      "--currency",
      "USD",
    ).catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain('vouch: --give: "1,000" is not an amount.');
    const programs = await querySql<{ name: string }>(target, "SELECT name FROM programs ORDER BY created_at");
    expect(programs.map((p) => p.name)).toEqual(["Acme", "Bare"]);
  });

  it("rotates a program's identity secret, keeping the old one for the grace period, audited", async () => {
    const [before] = await querySql<{ id: string; identity_secret: string }>(
      target,
      "SELECT id, identity_secret FROM programs WHERE name = 'Acme'",
    );
    const started = Date.now();
    const { stdout } = await vouch(
      "rotate-identity-secret",
      "--persist-to",
      persistTo,
      "--program",
      String(before?.id),
      "--grace-hours",
      "2",
    );
    const secret = /identity secret\s+(vch_is_\S+)/.exec(stdout)?.[1];
    expect(stdout).toMatch(/JWT secret\s+vch_js_\S+/);
    expect(stdout).toContain("still verifies until");
    const [after] = await querySql<{
      identity_secret: string;
      previous_identity_secret: string;
      previous_identity_secret_until: number;
    }>(target, `SELECT * FROM programs WHERE id = '${before?.id}'`);
    expect(after?.identity_secret).toBe(secret);
    expect(after?.previous_identity_secret).toBe(before?.identity_secret);
    expect(after?.previous_identity_secret_until).toBeGreaterThanOrEqual(started + 2 * 3_600_000);
    const audit = await querySql<{ action: string; actor: string }>(
      target,
      `SELECT action, actor FROM audit_log WHERE program_id = '${before?.id}'`,
    );
    expect(audit).toEqual([{ action: "identity_secret.rotated", actor: "cli" }]);
    const unknown = await vouch("rotate-identity-secret", "--persist-to", persistTo, "--program", "prg_nope").catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(unknown).toMatchObject({ code: 2 });
  });

  it("set-stripe saves the signing secret the receiver verifies with, prints where Stripe sends, audited", async () => {
    const [program] = await querySql<{ id: string }>(target, "SELECT id FROM programs WHERE name = 'Acme'");
    const id = String(program?.id);
    const bad = await vouch(
      "set-stripe",
      "--persist-to",
      persistTo,
      "--program",
      id,
      "--webhook-secret",
      "sk_test_1",
    ).catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain("--webhook-secret must be Stripe's signing secret, whsec_");
    const secret = "whsec_cli0123456789abcdefghij";
    const { stdout } = await vouch(
      "set-stripe",
      "--persist-to",
      persistTo,
      "--program",
      id,
      "--webhook-secret",
      secret,
    );
    expect(stdout).toContain(`Stripe sends to   http://localhost:8787/v1/integrations/stripe/${id}`);
    expect(stdout).toContain("invoice.paid");
    // Saving again replaces the secret (Stripe rolled it), still one row.
    await vouch("set-stripe", "--persist-to", persistTo, "--program", id, "--webhook-secret", `${secret}2`);
    const rows = await querySql<{ provider: string; webhook_secret: string }>(
      target,
      `SELECT provider, webhook_secret FROM integrations WHERE program_id = '${id}'`,
    );
    expect(rows).toEqual([{ provider: "stripe", webhook_secret: `${secret}2` }]);
    const audit = await querySql<{ n: number }>(
      target,
      `SELECT COUNT(*) AS n FROM audit_log WHERE program_id = '${id}' AND action = 'integration.stripe.saved'`,
    );
    expect(audit[0]?.n).toBe(2);
  });

  it("create-admin makes a workspace owning the program, with a generated password shown once", async () => {
    const [program] = await querySql<{ id: string }>(target, "SELECT id FROM programs WHERE name = 'Acme'");
    const id = String(program?.id);
    const { stdout } = await vouch(
      "create-admin",
      "--persist-to",
      persistTo,
      "--email",
      "Dana@Acme.test",
      "--program",
      id,
    );
    const password = /password\s+(\S+)\s+\(shown once/.exec(stdout)?.[1] ?? "";
    expect(password.length).toBeGreaterThanOrEqual(20);
    const workspace = /workspace\s+(wsp_\S+)/.exec(stdout)?.[1];
    const [admin] = await querySql<{ email: string; role: string; workspace_id: string; password_hash: string }>(
      target,
      "SELECT email, role, workspace_id, password_hash FROM admins",
    );
    expect(admin).toMatchObject({ email: "dana@acme.test", role: "owner", workspace_id: workspace });
    expect(admin?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(admin?.password_hash).not.toContain(password);
    const [owned] = await querySql<{ workspace_id: string }>(
      target,
      `SELECT workspace_id FROM programs WHERE id = '${id}'`,
    );
    expect(owned?.workspace_id).toBe(workspace);
    // The program is another workspace's now: a second admin must name it, and an email is one admin.
    const refused = await vouch(
      "create-admin",
      "--persist-to",
      persistTo,
      "--email",
      "sam@acme.test",
      "--program",
      id,
    ).catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain(`already belongs to workspace ${workspace}`);
  });
});
