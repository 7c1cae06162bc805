/**
 * `pnpm dev`: the whole local stack in one command.
 *  1. builds the tracker, widget and vendor dashboard into the API's assets,
 *  2. migrates and seeds the local D1 (the demo program with fixed test-mode keys and its reward rules, whose
 *     words are the widget's offer),
 *  3. runs the API on workerd (`wrangler dev`), the marketing site and the SaaS dashboard,
 *  4. prints the URLs to open. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jwtSecretFor } from "../packages/edge-api/src/members/jwt-secret";
import { DEMO, startApi, waitForHttp } from "./lib/stack";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const apiPort = Number(process.env.VOUCH_API_PORT ?? DEMO.apiPort);
const marketingPort = Number(process.env.VOUCH_MARKETING_PORT ?? DEMO.marketingPort);
const dashboardPort = Number(process.env.VOUCH_DASHBOARD_PORT ?? DEMO.dashboardPort);

function step(message: string): void {
  console.log(`\x1b[2m›\x1b[0m ${message}`);
}

step("Building the tracker, widget and dashboard…");
const build = spawnSync("pnpm", ["build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

step("Migrating and seeding the local D1, starting the API on workerd…");
const api = await startApi({
  port: apiPort,
  persistTo: path.join(root, "packages/edge-api/.wrangler/state"),
  marketingPort,
  dashboardPort,
  demoRules: true,
  scheduled: true,
});
const apiUrl = `http://localhost:${apiPort}`;
// wrangler dev does not run crons by itself: run the Worker's every-minute one (approvals, webhook retries, member
// emails, Stripe events) every 15 s, so what happens in production within a minute happens here too.
setInterval(() => {
  fetch(`http://127.0.0.1:${apiPort}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, 15_000).unref();

const children: ChildProcess[] = [];
function startExample(name: string, port: number): Promise<void> {
  const dir = path.join(root, "examples", name);
  if (!existsSync(path.join(dir, "server.mjs"))) {
    console.warn(`  (examples/${name}/server.mjs not found; skipped)`);
    return Promise.resolve();
  }
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PORT: String(port),
      VOUCH_API_URL: apiUrl,
      VOUCH_PUBLISHABLE_KEY: DEMO.publishableKey,
      VOUCH_IDENTITY_SECRET: DEMO.identitySecret,
      VOUCH_MARKETING_URL: `http://localhost:${marketingPort}`,
      VOUCH_DASHBOARD_URL: `http://localhost:${dashboardPort}`,
    },
  });
  children.push(child);
  return waitForHttp(`http://127.0.0.1:${port}/`, 30_000, child);
}

step("Starting the examples…");
await Promise.all([startExample("marketing-site", marketingPort), startExample("saas-dashboard", dashboardPort)]);

let stopping = false;
async function stopAll(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  await api.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
// `pnpm dev` ignores SIGINT/SIGTERM itself and hands them to us, but a SIGTERM sent to
// pnpm's pid alone (a process manager, an IDE's stop button) kills pnpm without telling us.
// When our parent goes, we go too, and take wrangler and the examples with us.
// pnpm may reach us through node's shell wrapper, so we watch two generations up.
const ancestors = [process.ppid, parentOf(process.ppid)].filter((pid): pid is number => pid !== undefined && pid > 1);
setInterval(() => {
  if (ancestors.some((pid) => !alive(pid))) void stopAll(0);
}, 500).unref();
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined; // not Linux: the direct parent is still watched
  }
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`An example server exited (${code}); stopping.`);
      void stopAll(1);
    }
  });
}

const b = (s: string) => `\x1b[1m${s}\x1b[0m`;
console.log(`
${b("Vouch is running.")} Open:

  SaaS dashboard (widget)    http://localhost:${dashboardPort}/      ← open the "Refer & earn" panel, copy your link
  Marketing site (tracker)   http://localhost:${marketingPort}/      ← follow the link, sign up
  Vouch dashboard (vendor)   ${apiUrl}/admin/      ← sign in: ${DEMO.adminEmail} / ${DEMO.adminPassword}
  Program page               ${apiUrl}/p/ledgerly-demo
  Emails members got         ${apiUrl}/dev/mail
  API                        ${apiUrl}/health   (reference: ${apiUrl}/docs)

Demo program "Ledgerly" (test mode; local only):
  publishable key  ${DEMO.publishableKey}
  secret key       ${DEMO.secretKey}
  identity secret  ${DEMO.identitySecret}
  JWT secret       ${await jwtSecretFor(DEMO.identitySecret)}

See what landed:
  curl -s -H "Authorization: Bearer ${DEMO.secretKey}" ${apiUrl}/v1/referrals
  curl -s -H "Authorization: Bearer ${DEMO.secretKey}" ${apiUrl}/v1/analytics/summary

Press Ctrl-C to stop.`);
