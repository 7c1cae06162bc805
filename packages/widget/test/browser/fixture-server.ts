import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";

/**
 * Host pages for the browser tests, one per scenario, on their own origin (an allowed origin of the demo
 * program). The server signs the member like a customer's backend would.
 */
export interface FixtureOptions {
  api: string;
  publishableKey: string;
  identitySecret: string;
  port: number;
}

const HOSTILE_CSS = `
* { all: unset; }
html, body { display: block; font: 31px/3 "Comic Sans MS", cursive !important; color: red !important; }
div, p, span, button, a, input, textarea, section, aside { background: magenta !important; color: lime !important;
  border: 6px dashed orange !important; padding: 30px !important; font-size: 40px !important;
  letter-spacing: 6px !important; text-transform: uppercase !important; }
button, [role="dialog"] { display: none !important; }
body > * { position: static !important; z-index: 0 !important; transform: scale(0.9) !important; }
head, script, style, link, title { display: none !important; }
`;

function page(opts: {
  nonce: string;
  api: string;
  key: string;
  init: unknown;
  autoinit: boolean;
  hostile: boolean;
  placeholder: boolean;
}) {
  const initJson = JSON.stringify(opts.init).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Ops (fixture)</title>
${opts.hostile ? '<link rel="stylesheet" href="/hostile.css">' : ""}
<script nonce="${opts.nonce}">
window.vouch = window.vouch || function () { (vouch.q = vouch.q || []).push(arguments); };
window.__vouchInit = ${initJson};
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) { __cspViolations.push(e.violatedDirective + " " + e.blockedURI); });
${opts.autoinit ? "vouch('init', window.__vouchInit);" : ""}
</script>
<script async src="${opts.api}/widget.js" data-key="${opts.key}" nonce="${opts.nonce}"></script>
</head>
<body>
<header><h1 id="host-title">Acme Ops</h1></header>
<main>
<p id="host-content">Your workspace is ready.</p>
${opts.placeholder ? '<aside id="sidebar"><div data-vouch-callout></div></aside>' : ""}
</main>
</body>
</html>`;
}

function signWithAttributes(secret: string, id: string, attributes: Record<string, unknown>): string {
  const key = createHash("sha256").update(`vouch:signed-attributes:v1:${secret}`).digest("hex");
  const sorted = Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHmac("sha256", key)
    .update(`[null,${JSON.stringify(id)},${JSON.stringify(sorted)}]`)
    .digest("hex");
}

export function startFixtureServer(opts: FixtureOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fixture");
    if (url.pathname === "/hostile.css") {
      res.writeHead(200, { "content-type": "text/css" });
      res.end(HOSTILE_CSS);
      return;
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const scenario = url.pathname.slice(1);
    if (!["basic", "launcher", "hostile"].includes(scenario)) {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    const id = q.get("member") ?? "user_fixture";
    // `?attributes={…}`: signed with the id, as @vouch/node's signIdentity does (README, Eligibility).
    const attributes = q.get("attributes")
      ? (JSON.parse(q.get("attributes") as string) as Record<string, unknown>)
      : null;
    const signature = q.get("forge")
      ? createHmac("sha256", "not-the-identity-secret").update(id).digest("hex")
      : attributes
        ? signWithAttributes(opts.identitySecret, id, attributes)
        : createHmac("sha256", opts.identitySecret).update(id).digest("hex");
    const member: Record<string, unknown> = { id };
    if (attributes) member.attributes = attributes;
    for (const field of ["email", "name", "company"]) {
      const value = q.get(field);
      if (value) member[field] = value;
    }
    const init: Record<string, unknown> = { member, signature };
    if (q.get("locale")) init.locale = q.get("locale");
    const nonce = randomBytes(16).toString("base64");
    const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
    if (scenario === "hostile") {
      // Strict: scripts only by nonce (not even the API origin is allow-listed), no inline styles at all.
      headers["content-security-policy"] =
        `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'self'; connect-src ${opts.api}; ` +
        `img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'`;
    }
    res.writeHead(200, headers);
    res.end(
      page({
        nonce,
        api: opts.api,
        key: opts.publishableKey,
        init,
        autoinit: q.get("autoinit") !== "0",
        hostile: scenario === "hostile",
        placeholder: scenario !== "launcher",
      }),
    );
  });
  return new Promise((resolve) => server.listen(opts.port, "127.0.0.1", () => resolve(server)));
}
