/**
 * `pnpm vouch <command>`: administer a Vouch deployment's D1 from the command line (local by default,
 * `--remote` for the deployed database).
 *
 *   pnpm vouch create-program --name "Acme" --landing-url https://acme.com --origin https://app.acme.com [--test-mode]
 *   pnpm vouch create-key --program prg_… --type secret|publishable
 *   pnpm vouch revoke-key --key key_…
 *   pnpm vouch list-programs
 */
import { parseArgs } from "node:util";
import { sha256Hex } from "../src/lib/crypto";
import { newId } from "../src/lib/ids";
import { jwtSecretFor } from "../src/members/jwt-secret";
import { buildProgram, generateApiKey, keyPrefix } from "../src/programs/create";
import { type D1Target, executeSql, querySql } from "./d1";
import { toSqlScript } from "./sql";

const HELP = `Usage: pnpm vouch <command> [options]

Commands:
  create-program   --name NAME --landing-url URL [--origin ORIGIN]... [--program-page-url URL]
                   [--offer TEXT] [--brand-color #RRGGBB] [--test-mode]
                   Creates a program and prints its publishable key, secret key and identity secret (shown once).
  create-key       --program PROGRAM_ID --type secret|publishable   (rotation: create, deploy, then revoke the old one)
  revoke-key       --key KEY_ID
  list-programs

Target (default: the local D1 that \`pnpm dev\` uses):
  --remote         the deployed D1 database (wrangler must be logged in)
  --persist-to DIR a local D1 folder
  --env NAME       a wrangler environment
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    "landing-url": { type: "string" },
    "program-page-url": { type: "string" },
    origin: { type: "string", multiple: true },
    offer: { type: "string" },
    "brand-color": { type: "string" },
    "test-mode": { type: "boolean" },
    program: { type: "string" },
    type: { type: "string" },
    key: { type: "string" },
    remote: { type: "boolean" },
    "persist-to": { type: "string" },
    env: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

const target: D1Target = {
  mode: values.remote ? "remote" : "local",
  persistTo: values.remote ? undefined : (values["persist-to"] ?? ".wrangler/state"),
  env: values.env,
};

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
      if (!values.name) fail("--name is required");
      if (!values["landing-url"]) fail("--landing-url is required");
      let built: Awaited<ReturnType<typeof buildProgram>>;
      try {
        built = await buildProgram({
          name: values.name,
          landing_url: values["landing-url"],
          program_page_url: values["program-page-url"] ?? null,
          allowed_origins: values.origin ?? [],
          test_mode: values["test-mode"] ?? false,
          offer_text: values.offer ?? "",
          ...(values["brand-color"] ? { brand_color: values["brand-color"] } : {}),
        });
      } catch (err) {
        const issues = (err as { issues?: { path: unknown[]; message: string }[] }).issues;
        fail(issues ? issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n") : String(err));
      }
      await executeSql(target, toSqlScript(built.statements));
      console.log(`Program created (${target.mode}).

  program id        ${built.programId}
  slug              ${built.slug}
  publishable key   ${built.publishableKey}     (browser: widget and tracker)
  secret key        ${built.secretKey}     (server only)
  identity secret   ${built.identitySecret}     (server only: HMAC-signs member ids)
  JWT secret        ${await jwtSecretFor(built.identitySecret)}     (server only: signs HS256 member JWTs, if you use them)

The secret key and identity secret are shown once. Store them in your secrets manager now.`);
      return;
    }
    case "create-key": {
      if (!values.program) fail("--program is required");
      if (values.type !== "secret" && values.type !== "publishable") fail("--type must be secret or publishable");
      const key = generateApiKey(values.type, values["test-mode"] ?? false);
      const id = newId("key");
      await executeSql(
        target,
        `INSERT INTO api_keys (id, program_id, type, key_hash, key_prefix, created_at)
         SELECT ${quote(id)}, id, ${quote(values.type)}, ${quote(await sha256Hex(key))}, ${quote(keyPrefix(key))}, ${Date.now()}
         FROM programs WHERE id = ${quote(values.program)};`,
      );
      console.log(
        `Key ${id} created: ${key}\nShown once. Deploy it, then revoke the old key with: pnpm vouch revoke-key --key <old key id>`,
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
