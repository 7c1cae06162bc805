import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // package.json `imports` maps it to dist/ by runtime; the tests run the source, on Node.
    alias: { "#webcrypto": fileURLToPath(new URL("./src/runtime/webcrypto.node.ts", import.meta.url)) },
  },
  test: {
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "api",
          include: ["test/**/*.test.ts"],
          // One API (workerd + D1) and one Chromium for both files, one file at a time on a shared machine.
          globalSetup: ["test/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
