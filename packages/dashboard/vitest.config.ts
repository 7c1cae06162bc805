import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One browser and one API at a time on a shared machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/**/*.test.ts"],
  },
});
