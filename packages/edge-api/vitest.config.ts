import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          // The Worker and everything it imports, in real workerd against the real migrations.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.jsonc" },
              miniflare: {
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
            }),
          ],
          test: {
            name: "workerd",
            // Test files share one workerd runtime per worker (and so its module graph and D1 database) instead
            // of paying a new runtime, transform and migration run each: the whole project runs in about 50 s
            // instead of about 280 s. Every file makes its own programs (test/fixtures.ts makeProgram), so no file
            // reads another's rows; the suite passes with its files shuffled (`--sequence.shuffle.files`).
            isolate: false,
            setupFiles: ["./test/apply-migrations.ts"],
            globalSetup: ["./test/local-servers.ts"],
            include: ["src/**/*.test.ts"],
          },
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
