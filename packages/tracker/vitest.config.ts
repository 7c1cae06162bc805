import { defineConfig } from "vitest/config";

/** The server-set cookie test runs once per build, since each keeps a server's referral its own way. */
const SERVER_COOKIE_TEST = "test/unit/server-cookie.test.ts";
const build = (name: string, lead: boolean, consent: boolean) => ({
  extends: true as const,
  define: { __LEAD__: String(lead), __CONSENT__: String(consent), __GREETING__: "false" },
  test: { name, include: [SERVER_COOKIE_TEST] },
});

export default defineConfig({
  test: {
    // One browser and one API at a time on a shared machine.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    projects: [
      {
        extends: true,
        // Unit tests see the full build: lead capture and the consent gate on.
        define: { __LEAD__: "true", __CONSENT__: "true", __GREETING__: "true" },
        test: { name: "full", include: ["test/**/*.test.ts"] },
      },
      build("vouch.js", false, false),
      build("vouch.lead.js", true, false),
    ],
  },
});
