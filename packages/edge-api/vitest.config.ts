import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Test files that run a cron or a dispatcher over the whole database (the scheduled handler, `dispatchDue*`,
 * `promoteDue` for every program). They get a workerd runtime, and so a database, of their own: in the shared
 * runtime they would act on, and count, the rows other files left behind.
 */
const WHOLE_DATABASE = [
  "src/analytics/rollups.test.ts",
  "src/emails/emails.test.ts",
  "src/emails/kinds.test.ts",
  "src/fraud/adversarial.test.ts",
  "src/fraud/review-findings.test.ts",
  "src/rewards/rewards.test.ts",
  "src/webhooks/delivery.test.ts",
  "src/webhooks/outbox.test.ts",
];

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The Worker and everything it imports, in real workerd against the real migrations.
  const workerd = () =>
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // Cloudflare Email Service's binding, as a deployment with EMAIL_PROVIDER=cloudflare declares it (miniflare's
        // local one checks the allowed senders and answers a message id).
        email: { send_email: [{ name: "SEND_EMAIL", allowed_sender_addresses: ["rewards@vouch.test"] }] },
        // Rate limits are counted in memory here, like `pnpm dev`; the binding path is tested by
        // calling checkRateLimit with the bound BROWSER_LIMITER.
        bindings: {
          TEST_MIGRATIONS: migrations,
          VOUCH_ENV: "test",
          RATE_LIMIT_BACKEND: "memory",
          // Tests queue webhook deliveries themselves, with a simulated clock (src/webhooks).
          WEBHOOK_DISPATCH: "manual",
          // CRM credentials are sealed with this (src/integrations/crm/vault.ts): two keys, newest first.
          VOUCH_ENCRYPTION_KEY:
            "k2:q8Xq0n1mG3cK5vT7yB9dF2hJ4lN6pR8tV0xZ2bD4fH0=,k1:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=",
        },
      },
    });
  const shared = { setupFiles: ["./test/apply-migrations.ts"], globalSetup: ["./test/local-servers.ts"] };
  return {
    test: {
      projects: [
        {
          plugins: [workerd()],
          test: {
            name: "workerd",
            // Test files share one workerd runtime per worker (and so its module graph and D1 database) instead
            // of paying a new runtime, transform and migration run each: the project runs in about a fifth of
            // the time. Every file makes its own programs (test/fixtures.ts makeProgram) and reads only their
            // rows; the project passes with its files shuffled (`--sequence.shuffle.files`).
            isolate: false,
            ...shared,
            include: ["src/**/*.test.ts"],
            exclude: WHOLE_DATABASE,
          },
        },
        {
          plugins: [workerd()],
          test: { name: "workerd-own-db", ...shared, include: WHOLE_DATABASE },
        },
        {
          // The `vouch` CLI in Node, driving wrangler against a local D1 folder like an operator would.
          test: {
            name: "cli",
            environment: "node",
            include: ["scripts/**/*.test.ts"],
            testTimeout: 120_000,
          },
        },
      ],
    },
  };
});
