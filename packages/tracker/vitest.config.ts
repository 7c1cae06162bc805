import { defineConfig } from "vitest/config";

export default defineConfig({
  // Unit tests see the full build: lead capture and the consent gate on.
  define: { __LEAD__: "true", __CONSENT__: "true" },
  test: {
    include: ["test/**/*.test.ts"],
    // One browser and one API at a time on a shared machine.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
