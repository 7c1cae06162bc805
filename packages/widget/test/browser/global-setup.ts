import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildSdk, DEMO, freePort, startApi } from "../../../../scripts/lib/stack";
import { startFixtureServer } from "./fixture-server";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    hostUrl: string;
    examplePort: number;
    marketingPort: number;
  }
}

const widgetDir = path.resolve(import.meta.dirname, "../..");
const repoRoot = path.resolve(widgetDir, "../..");

/** Builds the widget, serves it from a real local API (workerd + D1), and starts the fixture host pages. */
export default async function setup(project: TestProject) {
  execFileSync(process.execPath, [path.join(widgetDir, "build.mjs")], { stdio: "inherit" });
  // The SaaS example's link leads to the marketing site, whose tracker must be there to record the visit.
  const trackerDir = path.resolve(widgetDir, "../tracker");
  if (!existsSync(path.join(trackerDir, "dist/vouch.lead.greeting.js"))) {
    execFileSync(process.execPath, [path.join(trackerDir, "build.mjs")], { cwd: trackerDir, stdio: "inherit" });
  }
  // The examples' servers use @vouch/node.
  buildSdk();
  execFileSync(process.execPath, [path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/build-assets.ts"], {
    cwd: repoRoot,
    stdio: "inherit",
  });

  const [hostPort, examplePort, marketingPort] = [await freePort(), await freePort(), await freePort()];
  const api = await startApi({
    demoRules: true,
    dashboardPort: examplePort,
    marketingPort,
    extraOrigins: [`http://127.0.0.1:${hostPort}`, `http://localhost:${hostPort}`],
  });
  const fixtures = await startFixtureServer({
    api: api.url,
    publishableKey: DEMO.publishableKey,
    identitySecret: DEMO.identitySecret,
    port: hostPort,
  });
  project.provide("apiUrl", api.url);
  project.provide("hostUrl", `http://127.0.0.1:${hostPort}`);
  project.provide("examplePort", examplePort);
  project.provide("marketingPort", marketingPort);
  return async () => {
    await new Promise((resolve) => fixtures.close(resolve));
    await api.stop();
  };
}
