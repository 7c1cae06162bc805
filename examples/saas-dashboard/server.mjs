/**
 * Ledgerly's product: the month-end close dashboard of a logged-in customer, with the Vouch widget.
 * Plain Node `http`, with `@vouch/node` to sign the member.
 *
 *   PORT                    default 4001
 *   VOUCH_API_URL           default http://127.0.0.1:8787 (serves /widget.js and the member API)
 *   VOUCH_PUBLISHABLE_KEY   default the local demo program's key
 *   VOUCH_IDENTITY_SECRET   default the local demo program's identity secret (server side only!)
 *
 * One Click enrolment: the server signs the logged-in user's id with the identity secret, the page hands
 * the signature to `vouch('init')`, and the API enrols the member without a sign-up or a login. The page
 * runs under a strict CSP: no inline script (the config is a JSON data block), scripts by nonce or from
 * this origin, no inline styles.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { signIdentity } from "@vouch/node";

const port = Number(process.env.PORT ?? 4001);
const apiUrl = (process.env.VOUCH_API_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const apiOrigin = new URL(apiUrl).origin;
// The local demo program's fixed test-mode values (packages/edge-api/scripts/demo.ts). Never use in production.
const publishableKey = process.env.VOUCH_PUBLISHABLE_KEY ?? "vch_pk_test_demo_publishable_key_000";
const identitySecret = process.env.VOUCH_IDENTITY_SECRET ?? "vch_is_demo_identity_secret_local_only";

/** The logged-in user. A real app reads this from its session. */
const currentUser = {
  id: "user_1001",
  email: "dana@northwind-books.example",
  name: "Dana Whitfield",
  company: "Northwind Books",
  role: "Controller",
};

const escapeHtml = (value) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

/** JSON inside a <script type="application/json"> block: `<` escaped so no value can close the tag. */
const jsonForHtml = (value) => JSON.stringify(value).replace(/</g, "\\u003c");

const CHECKLIST = [
  ["Bank reconciliations (4 accounts)", "Priya N.", "Mar 31", "done"],
  ["Accounts payable cut-off", "Marcus L.", "Apr 1", "done"],
  ["Accrued expenses review", "Dana W.", "Apr 2", "in-progress"],
  ["Prepaid amortisation schedule", "Dana W.", "Apr 2", "in-progress"],
  ["Revenue recognition (deferred)", "Sofia R.", "Apr 3", "todo"],
  ["Intercompany eliminations", "Marcus L.", "Apr 3", "todo"],
  ["Flux analysis vs. February", "Dana W.", "Apr 4", "todo"],
];
const STATUS_LABEL = { done: "Done", "in-progress": "In progress", todo: "To do" };

async function dashboardPage(nonce) {
  // `{ member, signature }` for `vouch('init')`: HMAC-SHA256 of the user's id, which the API recomputes.
  const widgetConfig = await signIdentity(currentUser, { identitySecret });
  const initials = currentUser.name
    .split(" ")
    .map((part) => part[0])
    .join("");
  const rows = CHECKLIST.map(
    ([task, owner, due, status]) => `
          <tr>
            <td>${escapeHtml(task)}</td>
            <td>${escapeHtml(owner)}</td>
            <td>${escapeHtml(due)}</td>
            <td><span class="pill pill-${status}">${STATUS_LABEL[status]}</span></td>
          </tr>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>March close · Ledgerly</title>
  <link rel="stylesheet" href="/styles.css">
  <script type="application/json" id="vouch-config">${jsonForHtml(widgetConfig)}</script>
  <script src="/app.js" defer></script>
  <script async src="${escapeHtml(apiUrl)}/widget.js" data-key="${escapeHtml(publishableKey)}" nonce="${nonce}"></script>
</head>
<body>
  <div class="app">
    <aside class="sidebar">
      <a class="brand" href="/"><span class="logo" aria-hidden="true">L</span> Ledgerly</a>
      <nav aria-label="Main">
        <a href="/" aria-current="page">Overview</a>
        <a href="/">Close checklist</a>
        <a href="/">Reconciliations</a>
        <a href="/">Journal entries</a>
        <a href="/">Reports</a>
        <a href="/">Settings</a>
      </nav>
      <div class="sidebar-callout" data-vouch-callout></div>
    </aside>
    <div class="main">
      <header class="topbar">
        <div class="org">${escapeHtml(currentUser.company)} <span class="muted">· FY2026</span></div>
        <div class="topbar-actions">
          <button type="button" class="link-button" data-open-referrals>Refer a peer</button>
          <span class="avatar" title="${escapeHtml(currentUser.name)}" aria-label="Signed in as ${escapeHtml(currentUser.name)}">${escapeHtml(initials)}</span>
        </div>
      </header>
      <main>
        <div class="page-head">
          <div>
            <h1>March 2026 close</h1>
            <p class="muted">Day 3 of 5 · target sign-off Friday, April 4</p>
          </div>
          <button type="button" class="primary">Run flux analysis</button>
        </div>
        <section class="kpis" aria-label="Close at a glance">
          <div class="kpi"><span class="muted">Close progress</span><strong>68%</strong><div class="meter"><span class="meter-68"></span></div></div>
          <div class="kpi"><span class="muted">Accounts reconciled</span><strong>42 / 57</strong></div>
          <div class="kpi"><span class="muted">Open items</span><strong>9</strong></div>
          <div class="kpi"><span class="muted">Unexplained variance</span><strong>$12,480</strong></div>
        </section>
        <section class="card" aria-labelledby="checklist-heading">
          <h2 id="checklist-heading">Close checklist</h2>
          <table>
            <thead><tr><th scope="col">Task</th><th scope="col">Owner</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
            <tbody>${rows}
            </tbody>
          </table>
        </section>
      </main>
    </div>
  </div>
</body>
</html>`;
}

function securityHeaders(nonce) {
  const csp = [
    "default-src 'self'",
    // widget.js by nonce; the widget passes the same nonce to the panel script it loads on first open.
    `script-src 'self' 'nonce-${nonce}'`,
    `connect-src 'self' ${apiOrigin}`,
    // The widget styles its shadow roots with constructable stylesheets: no 'unsafe-inline' needed. Browsers
    // without them get a <style> carrying the widget's nonce, so the nonce goes in style-src too.
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
  };
}

const ASSETS = {
  "/styles.css": "text/css; charset=utf-8",
  "/app.js": "text/javascript; charset=utf-8",
};

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  const nonce = randomBytes(16).toString("base64");
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
    } else if (pathname === "/") {
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        ...securityHeaders(nonce),
      });
      res.end(await dashboardPage(nonce));
    } else if (pathname in ASSETS) {
      const body = await readFile(new URL(`./public${pathname}`, import.meta.url));
      res.writeHead(200, { "Content-Type": ASSETS[pathname], ...securityHeaders(nonce) });
      res.end(body);
    } else if (pathname === "/favicon.ico") {
      res.writeHead(204).end();
    } else {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found");
    }
  } catch (err) {
    console.error(err);
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("Internal error");
  }
});

server.listen(port, () => {
  console.log(`Ledgerly dashboard (SaaS example) on http://localhost:${port}  ·  Vouch API ${apiUrl}`);
});
