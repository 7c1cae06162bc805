/**
 * The widget's weight and speed: gzip sizes beside their budgets, then in real Chromium against the local
 * API, the time from the widget script's request to a visible callout (median of several cold runs), the
 * host page's longest task while it happens, and the time from a click to the open panel (lazy chunk
 * included). Budgets: loader + callout ≤ 6 kB gzip, panel chunk ≤ 14 kB gzip.
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { launchChromium } from "../lib/chromium";
import { DEMO, freePort, startApi } from "../lib/stack";

const RUNS = Number(process.env.BENCH_WIDGET_RUNS ?? 9);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const widgetDir = path.join(root, "packages/widget");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

function hostPage(api: string, signature: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench host</title>
<script>
window.__longTasks = [];
try {
  new PerformanceObserver(function (list) {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
} catch (e) {}
window.vouch = window.vouch || function () { (vouch.q = vouch.q || []).push(arguments); };
vouch("init", { member: { id: "bench_widget_member", name: "Bench" }, signature: "${signature}" });
window.__visible = new Promise(function (resolve) {
  (function check() {
    var host = document.querySelector("vouch-callout");
    var button = host && host.shadowRoot && host.shadowRoot.querySelector("button");
    if (button && button.getBoundingClientRect().height > 0) return resolve(performance.now());
    requestAnimationFrame(check);
  })();
});
</script>
<script async src="${api}/widget.js" data-key="${DEMO.publishableKey}"></script>
</head><body><h1>Host</h1><aside><div data-vouch-callout></div></aside></body></html>`;
}

export default async function widgetBench(): Promise<void> {
  execFileSync(process.execPath, [path.join(widgetDir, "build.mjs")], { stdio: "inherit" });
  execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/build-assets.ts"], {
    cwd: root,
    stdio: "inherit",
  });

  const budgets = JSON.parse(readFileSync(path.join(widgetDir, "size-budgets.json"), "utf8")) as Record<string, number>;
  console.log("size (gzip -9, exact bytes)");
  for (const [file, budget] of Object.entries(budgets)) {
    const raw = readFileSync(path.join(widgetDir, "dist", file));
    const gz = gzipSync(raw, { level: 9 }).length;
    const verdict = gz <= budget ? "ok" : "OVER BUDGET";
    console.log(
      `  ${file.padEnd(18)} ${String(gz).padStart(6)} B gzip / ${budget} B budget (${((gz / budget) * 100).toFixed(0)}%)  raw ${raw.length} B  ${verdict}`,
    );
  }

  const hostPort = await freePort();
  const api = await startApi({ env: "bench", extraOrigins: [`http://127.0.0.1:${hostPort}`] });
  const signature = createHmac("sha256", DEMO.identitySecret).update("bench_widget_member").digest("hex");
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(hostPage(api.url, signature));
  });
  await new Promise<void>((resolve) => server.listen(hostPort, "127.0.0.1", resolve));
  const browser = await launchChromium();
  try {
    const fromScript: number[] = [];
    const fromNavigation: number[] = [];
    const longest: number[] = [];
    const longestOpen: number[] = [];
    const openPanel: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const context = await browser.newContext(); // cold cache every run
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${hostPort}/`);
      const visibleAt = await page.evaluate(() => (window as unknown as { __visible: Promise<number> }).__visible);
      const scriptStart = await page.evaluate(
        () => performance.getEntriesByType("resource").find((e) => e.name.endsWith("/widget.js"))?.startTime ?? 0,
      );
      const clickAt = await page.evaluate(() => performance.now());
      await page.locator("vouch-callout").getByRole("button").click();
      await page.getByRole("dialog").waitFor();
      const openAt = await page.evaluate(() => performance.now());
      const tasks = await page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks);
      const longestIn = (from: number, to: number) =>
        Math.max(0, ...tasks.filter(([start]) => start >= from && start < to).map(([, d]) => d));
      await context.close();
      if (run === 0) continue; // warm-up: the first run pays workerd's and Chromium's own start-up
      fromScript.push(visibleAt - scriptStart);
      fromNavigation.push(visibleAt);
      longest.push(longestIn(0, visibleAt));
      longestOpen.push(longestIn(clickAt, openAt));
      openPanel.push(openAt - clickAt);
    }
    console.log(`Chromium, local API, cold cache, median of ${RUNS} runs (min–max)`);
    const line = (label: string, xs: number[]) =>
      console.log(
        `  ${label.padEnd(40)} ${ms(median(xs)).padStart(9)}  (${ms(Math.min(...xs))} – ${ms(Math.max(...xs))})`,
      );
    line("widget.js request → callout visible", fromScript);
    line("navigation start → callout visible", fromNavigation);
    line("click → panel open (lazy chunk fetched)", openPanel);
    const longTaskLine = (label: string, xs: number[]) => {
      const worst = Math.max(...xs);
      console.log(
        `  ${label.padEnd(40)} ${worst === 0 ? "none ≥ 50 ms in any run" : `${ms(median(xs))} median, ${ms(worst)} worst (0 = none ≥ 50 ms)`}`,
      );
    };
    longTaskLine("longest task, load → callout", longest);
    longTaskLine("longest task, click → panel", longestOpen);
  } finally {
    await browser.close();
    server.close();
    await api.stop();
  }
}
