/**
 * `pnpm vouch <command>`: administer a Vouch deployment's D1 from the command line (local by default,
 * `--remote` for the deployed database).
 *
 *   pnpm vouch create-program --name "Acme" --landing-url https://acme.com --origin https://app.acme.com \
 *     --give 100 --get 100 --currency USD [--test-mode]
 *   pnpm vouch create-key --program prg_… --type secret|publishable
 *   pnpm vouch revoke-key --key key_…
 *   pnpm vouch rotate-identity-secret --program prg_… [--grace-hours 72]
 *   pnpm vouch set-stripe --program prg_… --webhook-secret whsec_…
 *   pnpm vouch create-admin --email dana@acme.com --role owner --program prg_… [--password …]
 *   pnpm vouch list-programs
 */
import { parseArgs } from "node:util";
import { ADMIN_ROLES, type AdminRole, newAdminStatements } from "../src/admin/accounts";
import { MIN_PASSWORD_LENGTH } from "../src/admin/password";
import { STRIPE_EVENT_TYPES } from "../src/integrations/stripe/facts";
import { STRIPE_SECRET_PATTERN, stripeSecretStatements } from "../src/integrations/stripe/settings";
import { newApiKey } from "../src/keys/create";
import { randomToken } from "../src/lib/crypto";
import { jwtSecretFor } from "../src/members/jwt-secret";
import { buildProgram } from "../src/programs/create";
import { identitySecretRotation } from "../src/programs/rotation";
import { describeOffer } from "../src/rewards/offer";
import { type RulesetInput, rulesetSchema } from "../src/rewards/schema";
import { twoSidedRules } from "../src/rewards/two-sided";
import { type D1Target, executeSql, querySql } from "./d1";
import { DEMO } from "./demo";
import { createProgramRequest } from "./program-flags";
import { toSqlScript } from "./sql";

const HELP = `Usage: pnpm vouch <command> [options]

Commands:
  create-program   --name NAME --landing-url URL [--origin ORIGIN]... [--program-page-url URL]
                   [--give AMOUNT] [--get AMOUNT] --currency CODE [--hold-days N]
                   [--kind account_credit|cash|gift_card|coupon]
                   [--offer TEXT] [--brand-color #RRGGBB] [--test-mode]
                   Creates a program and prints its publishable key, secret key and identity secret (shown once).
                   --give/--get: what the friend and the member get when the friend becomes a customer, in
                   major units ("100" is 100.00); the member's reward is held --hold-days (default 14), the
                   friend's is paid at once; --kind defaults to account_credit. Members see the offer in
                   words ("Give $100, get $100."); --offer replaces those words, not the rules.
  create-key       --program PROGRAM_ID --type secret|publishable   (rotation: create, deploy, then revoke the old one)
  revoke-key       --key KEY_ID
  rotate-identity-secret --program PROGRAM_ID [--grace-hours 72]
                   A new identity secret (and JWT secret), shown once. The old one keeps verifying for the
                   grace period (0 ends it now) while you deploy the new one to your servers.
  set-stripe       --program PROGRAM_ID --webhook-secret whsec_…
                   Saves the signing secret of the Stripe webhook endpoint that sends to
                   <your-vouch-api>/v1/integrations/stripe/PROGRAM_ID (README: "Stripe in five minutes").
  create-admin     --email EMAIL [--name NAME] [--role owner|admin|viewer] [--program PROGRAM_ID]
                   [--workspace WORKSPACE_ID] [--password PASSWORD]
                   A dashboard admin (default role owner). Without --workspace, a new workspace is made and
                   the --program(s) join it (each program belongs to one workspace). Without --password, a
                   strong one is generated and printed once.
  list-programs

Target (default: the local D1 that \`pnpm dev\` uses):
  --remote         the deployed D1 database (wrangler must be logged in)
  --persist-to DIR a local D1 folder
  --env NAME       a wrangler environment
`;

/** Every option that takes a value, as text; the flags and `--origin` (repeatable) are below. */
const TEXT_OPTIONS = [
  "name",
  "landing-url",
  "program-page-url",
  "offer",
  "give",
  "get",
  "currency",
  "hold-days",
  "kind",
  "brand-color",
  "program",
  "type",
  "key",
  "persist-to",
  "env",
  "grace-hours",
  "webhook-secret",
  "email",
  "role",
  "workspace",
  "password",
] as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ...(Object.fromEntries(TEXT_OPTIONS.map((name) => [name, { type: "string" }])) as Record<
      (typeof TEXT_OPTIONS)[number],
      { type: "string" }
    >),
    origin: { type: "string", multiple: true },
    "test-mode": { type: "boolean" },
    remote: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

const target: D1Target = {
  mode: values.remote ? "remote" : "local",
  persistTo: values.remote ? undefined : (values["persist-to"] ?? ".wrangler/state"),
  env: values.env,
};

/** What to do about a program created without reward rules: the exact request that adds the common ones. */
function noRulesWarning(secretKey: string): string {
  const api = target.mode === "local" ? `http://localhost:${DEMO.apiPort}` : "https://<your-vouch-api>";
  const body = JSON.stringify(twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" }));
  return `
Warning: this program has no reward rules, so referrals earn nothing${values.offer ? ", whatever the offer promises" : " and members see no offer"}.
Add the rules before you launch, e.g. "Give $100, get $100" (friend and member, USD account credit):

  curl -X PUT ${api}/v1/reward-rules \\
    -H "Authorization: Bearer ${secretKey}" -H "Content-Type: application/json" \\
    -d '${body}'

or create the program with: --give 100 --get 100 --currency USD`;
}

function fail(message: string): never {
  console.error(`vouch: ${message}\n\n${HELP}`);
  process.exit(2);
}

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

async function main(): Promise<void> {
  const [command] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return;
  }
  switch (command) {
    case "create-program": {
      let built: Awaited<ReturnType<typeof buildProgram>>;
      let rules: RulesetInput | null;
      try {
        const request = createProgramRequest(values);
        rules = request.rules;
        built = await buildProgram(request.input, rules ? { rules } : {});
      } catch (err) {
        const issues = (err as { issues?: { path: unknown[]; message: string }[] }).issues;
        fail(issues ? issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n") : (err as Error).message);
      }
      await executeSql(target, toSqlScript(built.statements));
      const offer = values.offer || describeOffer(rules ? rulesetSchema.parse(rules) : null);
      console.log(`Program created (${target.mode}).

  program id        ${built.programId}
  slug              ${built.slug}
  publishable key   ${built.publishableKey}     (browser: widget and tracker)
  secret key        ${built.secretKey}     (server only)
  identity secret   ${built.identitySecret}     (server only: HMAC-signs member ids)
  JWT secret        ${await jwtSecretFor(built.identitySecret)}     (server only: signs HS256 member JWTs, if you use them)
  reward rules      ${rules ? "version 1 (GET /v1/reward-rules shows them)" : "none"}
  offer             ${offer ? JSON.stringify(offer) : "(none)"}${values.offer ? "     (your --offer; the rules are not changed by it)" : ""}

The secret key and identity secret are shown once. Store them in your secrets manager now.`);
      if (!rules) console.warn(noRulesWarning(built.secretKey));
      return;
    }
    case "create-key": {
      if (!values.program) fail("--program is required");
      if (values.type !== "secret" && values.type !== "publishable") fail("--type must be secret or publishable");
      const { key, row, statement } = await newApiKey(values.program, values.type, values["test-mode"] ?? false);
      await executeSql(target, toSqlScript([statement]));
      console.log(
        `Key ${row.id} created: ${key}\nShown once. Deploy it, then revoke the old key with: pnpm vouch revoke-key --key <old key id>`,
      );
      return;
    }
    case "revoke-key": {
      if (!values.key) fail("--key is required");
      await executeSql(
        target,
        `UPDATE api_keys SET revoked_at = ${Date.now()} WHERE id = ${quote(values.key)} AND revoked_at IS NULL;`,
      );
      console.log(`Key ${values.key} revoked (publishable keys may be honoured for up to 30 s by warm isolates).`);
      return;
    }
    case "rotate-identity-secret": {
      if (!values.program) fail("--program is required");
      const grace = Number(values["grace-hours"] ?? 72);
      if (!Number.isInteger(grace) || grace < 0 || grace > 720) fail("--grace-hours must be a whole number, 0–720");
      const found = await querySql(target, `SELECT id FROM programs WHERE id = ${quote(values.program)}`);
      if (found.length === 0) fail(`no program ${values.program} in the ${target.mode} database`);
      const rotation = identitySecretRotation(values.program, grace, "cli");
      await executeSql(target, toSqlScript(rotation.statements));
      const until = rotation.previousValidUntil;
      console.log(`Identity secret rotated (${target.mode}).

  identity secret   ${rotation.secret}     (server only: HMAC-signs member ids)
  JWT secret        ${await jwtSecretFor(rotation.secret)}     (server only: signs HS256 member JWTs)
  old secret        ${until ? `still verifies until ${new Date(until).toISOString()}` : "no longer verifies"}

Shown once. Deploy the new secrets to your servers${until ? " before the old one expires" : " now"}.`);
      return;
    }
    case "set-stripe": {
      if (!values.program) fail("--program is required");
      const secret = values["webhook-secret"];
      if (!secret) fail("--webhook-secret is required: the whsec_… secret Stripe shows for the endpoint");
      if (!STRIPE_SECRET_PATTERN.test(secret)) fail("--webhook-secret must be Stripe's signing secret, whsec_…");
      const found = await querySql(target, `SELECT id FROM programs WHERE id = ${quote(values.program)}`);
      if (found.length === 0) fail(`no program ${values.program} in the ${target.mode} database`);
      await executeSql(target, toSqlScript(stripeSecretStatements(values.program, secret, "cli")));
      const api = target.mode === "local" ? `http://localhost:${DEMO.apiPort}` : "https://<your-vouch-api>";
      console.log(`Stripe signing secret saved (${target.mode}).

  Stripe sends to   ${api}/v1/integrations/stripe/${values.program}
  events to send    ${STRIPE_EVENT_TYPES.join(", ")}

Warm isolates pick up a replaced secret within 30 s. GET /v1/integrations/stripe shows what has arrived.`);
      return;
    }
    case "create-admin": {
      const email = values.email?.trim().toLowerCase();
      if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail("--email must be an email address");
      const role = (values.role ?? "owner") as AdminRole;
      if (!ADMIN_ROLES.includes(role)) fail(`--role must be one of ${ADMIN_ROLES.join(", ")}`);
      const password = values.password ?? randomToken(15);
      if (password.length < MIN_PASSWORD_LENGTH) fail(`--password needs at least ${MIN_PASSWORD_LENGTH} characters`);
      const programs = values.program ? [values.program] : [];
      for (const id of programs) {
        const found = await querySql<{ workspace_id: string | null }>(
          target,
          `SELECT workspace_id FROM programs WHERE id = ${quote(id)}`,
        );
        if (found.length === 0) fail(`no program ${id} in the ${target.mode} database`);
        const owner = found[0]?.workspace_id;
        if (owner && owner !== values.workspace)
          fail(`program ${id} already belongs to workspace ${owner}: pass --workspace ${owner}`);
      }
      if (values.workspace) {
        const ws = await querySql(target, `SELECT id FROM workspaces WHERE id = ${quote(values.workspace)}`);
        if (ws.length === 0) fail(`no workspace ${values.workspace} in the ${target.mode} database`);
      }
      const taken = await querySql(target, `SELECT id FROM admins WHERE email = ${quote(email)}`);
      if (taken.length > 0) fail(`an admin with the email ${email} already exists`);
      const created = await newAdminStatements({
        email,
        password,
        role,
        name: values.name ?? "",
        programIds: programs,
        ...(values.workspace
          ? { workspaceId: values.workspace }
          : { workspaceName: values.name ?? email.split("@")[1] ?? "Workspace" }),
      });
      await executeSql(target, toSqlScript(created.statements));
      const api = target.mode === "local" ? `http://localhost:${DEMO.apiPort}` : "https://<your-vouch-api>";
      console.log(`Admin created (${target.mode}).

  dashboard   ${api}/admin/
  email       ${email}
  password    ${values.password ? "(the one you gave)" : `${password}     (shown once: store it, or change it after signing in)`}
  role        ${role}
  workspace   ${created.workspaceId}${programs.length ? `\n  programs    ${programs.join(", ")}` : ""}`);
      return;
    }
    case "list-programs": {
      const rows = await querySql(
        target,
        "SELECT id, name, slug, test_mode, landing_url FROM programs ORDER BY created_at",
      );
      if (rows.length === 0) console.log("No programs yet. Create one with: pnpm vouch create-program --help");
      else console.table(rows);
      return;
    }
    default:
      fail(`unknown command ${command}`);
  }
}

await main();
