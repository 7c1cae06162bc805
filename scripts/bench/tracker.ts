/**
 * The tracker's figures: size of every script-tag build (raw, gzip, brotli) beside its gzip budget, and the
 * main-thread time a landing page spends running the tracker (median of many page loads in Chromium).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { measureSizes } from "../../packages/tracker/sizes.mjs";
import { CHROMIUM_PATH, launchChromium } from "../lib/chromium";
import { freePort } from "../lib/stack";

const trackerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../packages/tracker");
const PAGE_LOADS = 30;

function printSizes(): void {
  console.log("file                       raw    gzip  brotli  budget (gzip)");
  for (const s of measureSizes()) {
    const verdict = s.gzip <= s.budget ? `ok, ${s.budget - s.gzip} B to spare` : `OVER by ${s.gzip - s.budget} B`;
    console.log(
      `${s.file.padEnd(24)} ${String(s.raw).padStart(6)} ${String(s.gzip).padStart(7)} ${String(s.brotli).padStart(7)}  ${s.budget}  ${verdict}`,
    );
  }
}

/**
 * Runs the full lead + consent build inline (so no download time is counted) on a page whose URL carries
 * a referral code, and reads how long its synchronous part took: parse the URL, read storage, clean the
 * address bar, start the post. The same local server answers the post like the API (201 + click id), so
 * nothing piles up in the retry queue between loads.
 */
async function measureBoot(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`boot time: skipped (${CHROMIUM_PATH} not found)`);
    return;
  }
  const code = readFileSync(path.join(trackerDir, "dist/vouch.lead.consent.js"), "utf8");
  const port = await freePort();
  // The timing ends inside the same script element, so only synchronous work is counted.
  const page = (script: string) => `<!doctype html><html><head><script>window.t0 = performance.now();</script>
<script data-key="vch_pk_bench" data-api="http://127.0.0.1:${port}">${script};
window.bootMs = performance.now() - window.t0;</script></head>
<body><form data-vouch-lead><input name="email"></form></body></html>`;
  // The baseline runs an empty script the same way: what remains is the tracker's own cost.
  const pages: Record<string, string> = { "/baseline": page(""), "/": page(code) };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/v1/track/")) {
      res.writeHead(201, { "content-type": "application/json", "access-control-allow-origin": "*" });
      const expires = new Date(Date.now() + 90 * 86_400_000).toISOString();
      res.end(
        JSON.stringify({
          click_id: "clk_bench00000000000",
          code: "BENCH",
          attribution: { model: "first", window_days: 90 },
          expires_at: expires,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end(pages[url.pathname] ?? pages["/"]);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const tab = await context.newPage();
    for (const [label, pathname] of [
      ["empty script (baseline)", "/baseline"],
      ["vouch.lead.consent.js", "/"],
    ]) {
      const samples: number[] = [];
      for (let i = 0; i < PAGE_LOADS; i++) {
        await tab.goto(`http://127.0.0.1:${port}${pathname}?via=BENCH${i}&utm_source=bench`);
        samples.push(await tab.evaluate(() => (window as unknown as { bootMs: number }).bootMs));
      }
      samples.sort((a, b) => a - b);
      const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(1);
      console.log(
        `main-thread time, ${String(label).padEnd(24)} median ${at(0.5)} ms, p90 ${at(0.9)} ms (${PAGE_LOADS} loads)`,
      );
    }
  } finally {
    await browser.close();
    server.close();
  }
}

export default async function trackerBench(): Promise<void> {
  const build = spawnSync(process.execPath, ["build.mjs"], { cwd: trackerDir, stdio: "inherit" });
  if (build.status !== 0) throw new Error("tracker build failed");
  printSizes();
  await measureBoot();
}
