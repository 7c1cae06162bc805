import { execFileSync } from "node:child_process";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startApi } from "../../../scripts/lib/stack";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    /** The port of the browser test's vendor site (an allowed origin of the demo program). */
    sitePort: number;
  }
}

/** A page origin the demo program allows, for the browser calls the API tests make from Node. */
export const PAGE_ORIGIN = "http://sdk-tests.localhost";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** The real API on workerd with the seeded demo program, serving the current tracker build. */
export default async function setup(project: TestProject) {
  execFileSync(process.execPath, ["build.mjs"], { cwd: path.join(repoRoot, "packages/tracker"), stdio: "inherit" });
  execFileSync(process.execPath, [path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/build-assets.ts"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  const sitePort = await freePort();
  const api = await startApi({
    demoRules: true,
    extraOrigins: [`http://127.0.0.1:${sitePort}`, `http://localhost:${sitePort}`, PAGE_ORIGIN],
  });
  project.provide("apiUrl", api.url);
  project.provide("sitePort", sitePort);
  return () => api.stop();
}
