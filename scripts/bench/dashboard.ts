/**
 * The vendor dashboard: its first load's weight beside the 150 kB gzip budget, then in real Chromium against
 * the local API, the time from opening /admin/ (signed in) to the overview's numbers and charts (median of
 * several cold loads: the app, the session, the analytics calls).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FIRST_LOAD_JS_BUDGET, firstLoad } from "../../packages/dashboard/size";
import { launchChromium } from "../lib/chromium";
import { DEMO, startApi } from "../lib/stack";

const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 7);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default async function bench(): Promise<void> {
  execFileSync("pnpm", ["--filter", "@vouch/dashboard", "build"], { cwd: root, stdio: "ignore" });
  const size = firstLoad();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  console.log(`first load (gzip): JS ${kb(size.js)} of ${kb(FIRST_LOAD_JS_BUDGET)} budget, CSS ${kb(size.css)}`);

  const api = await startApi({ demoRules: true });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${api.url}/admin/`);
    await page.getByLabel("Email").fill(DEMO.adminEmail);
    await page.getByLabel("Password").fill(DEMO.adminPassword);
    const signInStart = Date.now();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".uplot canvas").first().waitFor();
    console.log(`sign-in to charts: ${Date.now() - signInStart} ms (PBKDF2 100,000 iterations included)`);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const fresh = await context.newPage(); // same session cookie, empty memory cache
      await fresh.route("**/*", (route) => route.continue());
      const start = Date.now();
      await fresh.goto(`${api.url}/admin/`);
      await fresh.locator(".uplot canvas").nth(1).waitFor();
      await fresh.locator(".kpi-value").first().waitFor();
      times.push(Date.now() - start);
      await fresh.close();
    }
    times.sort((a, b) => a - b);
    console.log(
      `open /admin/ to overview with charts: median ${times[Math.floor(times.length / 2)]} ms, best ${times[0]} ms (${RUNS} loads)`,
    );
  } finally {
    await browser.close();
    await api.stop();
  }
}
