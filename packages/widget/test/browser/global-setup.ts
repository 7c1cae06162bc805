import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { DEMO, freePort, startApi } from "../../../../scripts/lib/stack";
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

/** Builds the widget, serves it from a real local API (workerd + D1), and starts the fixture host pages. */
export default async function setup(project: TestProject) {
  execFileSync(process.execPath, [path.join(widgetDir, "build.mjs")], { stdio: "inherit" });
  // Only the widget's own files: the tracker's build is its owner's to copy (scripts/build-assets.ts).
  const publicDir = path.resolve(widgetDir, "../edge-api/public");
  const dist = path.join(widgetDir, "dist");
  for (const file of readdirSync(dist, { recursive: true }) as string[]) {
    if (!/\.(m?js)$/.test(file)) continue;
    mkdirSync(path.dirname(path.join(publicDir, file)), { recursive: true });
    copyFileSync(path.join(dist, file), path.join(publicDir, file));
  }

  const [hostPort, examplePort, marketingPort] = [await freePort(), await freePort(), await freePort()];
  const api = await startApi({
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
