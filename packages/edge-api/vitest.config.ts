import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          // Rate limits are counted in memory here, like `pnpm dev`; the binding path is tested by calling
          // checkRateLimit with the bound BROWSER_LIMITER.
          bindings: { TEST_MIGRATIONS: migrations, VOUCH_ENV: "test", RATE_LIMIT_BACKEND: "memory" },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/apply-migrations.ts"],
      include: ["src/**/*.test.ts"],
    },
  };
});
