/**
 * The Ledgerly marketing site: a landing page with a sign-up form, the referral program page and a
 * thank-you page, with the Vouch tracker. Plain Node `http`, with `@vouch/node`'s attribution middleware: a
 * visitor arriving through `?via=CODE` gets the `vouch_ref` cookie from this server (`Set-Cookie`), which
 * Safari keeps for the whole attribution window, not the 7 days it allows a cookie written by script.
 *
 *   PORT                    default 4000
 *   VOUCH_API_URL           default http://127.0.0.1:8787 (serves /vouch.lead.greeting.js and the tracking API)
 *   VOUCH_PUBLISHABLE_KEY   default the local demo program's key
 *
 * The CSP allows scripts only from this origin and the API: the tracker needs no inline script and no
 * eval. The sign-up keeps the referral (`vouch_click_id` from the form, the code from the form or the
 * `vouch_ref` cookie) with the account; "Subscribe" shows the Stripe Checkout Session it would create with them
 * (`client_reference_id`, `metadata`: see checkout.mjs), which is all Vouch's Stripe integration needs. Without
 * Stripe, the server would pass the same to `POST /v1/conversions` (`recordConversion` in `@vouch/node`).
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { attribution, readReferral } from "@vouch/node/http";
import { checkoutSessionParams, formEncode } from "./checkout.mjs";
import { checkoutPage, homePage, notFoundPage, referralProgramPage, signupPage, welcomePage } from "./pages.mjs";

const port = Number(process.env.PORT ?? 4000);
const apiUrl = (process.env.VOUCH_API_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const publishableKey = process.env.VOUCH_PUBLISHABLE_KEY ?? "vch_pk_test_demo_publishable_key_000";
const apiOrigin = new URL(apiUrl).origin;

/** Lead capture and the friend's greeting (the home page's `data-vouch-greeting` line). */
const tracker = { src: `${apiUrl}/vouch.lead.greeting.js`, key: publishableKey };
/** The demo program's attribution settings (`GET /v1/program`: `attribution.window_days`, `.model`). */
const setReferralCookie = attribution({ windowDays: 90, model: "first" });

const csp = [
  "default-src 'self'",
  `script-src 'self' ${apiOrigin}`,
  `connect-src 'self' ${apiOrigin}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join("; ");

const assets = {
  "/styles.css": "text/css; charset=utf-8",
  "/vouch-stub.js": "text/javascript; charset=utf-8",
  "/favicon.svg": "image/svg+xml",
};

function send(res, status, body, type = "text/html; charset=utf-8", headers = {}) {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Security-Policy": csp,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(body);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
      if (body.length > 16_384) req.destroy(new Error("form too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

/** Accounts by email: what a real app keeps in its database with the user. */
const accounts = new Map();

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://localhost");
    setReferralCookie(req, res);
    if (req.method === "GET" && assets[url.pathname]) {
      const file = await readFile(new URL(`./public${url.pathname}`, import.meta.url));
      return send(res, 200, file, assets[url.pathname], { "Cache-Control": "no-cache" });
    }
    if (req.method === "POST" && url.pathname === "/signup") {
      const form = await readForm(req);
      const clickId = form.get("vouch_click_id") ?? "";
      const code = form.get("referral_code") || readReferral(req.headers.cookie)?.code || "";
      console.log(`[marketing-site] sign-up ${form.get("email")} vouch_click_id=${clickId || "-"} code=${code || "-"}`);
      if (accounts.size > 10_000) accounts.clear();
      accounts.set(form.get("email") ?? "", { clickId, code });
      const next = new URLSearchParams({ email: form.get("email") ?? "" });
      if (clickId || code) next.set("referred", "1");
      return send(res, 303, "", "text/plain", { Location: `/welcome?${next}` });
    }
    if (req.method === "POST" && url.pathname === "/checkout") {
      const email = (await readForm(req)).get("email") ?? "";
      const referral = accounts.get(email) ?? { clickId: "", code: readReferral(req.headers.cookie)?.code ?? "" };
      const params = checkoutSessionParams({
        email,
        referral,
        price: "price_growth_monthly",
        origin: `http://localhost:${port}`,
      });
      return send(res, 200, checkoutPage(tracker, { params, encoded: formEncode(params).toString() }));
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "Method not allowed", "text/plain");
    switch (url.pathname) {
      case "/":
        return send(res, 200, homePage(tracker));
      case "/signup":
        return send(res, 200, signupPage(tracker));
      case "/referral-program":
        return send(res, 200, referralProgramPage(tracker));
      case "/welcome":
        return send(
          res,
          200,
          welcomePage(tracker, { email: url.searchParams.get("email"), referred: url.searchParams.has("referred") }),
        );
      default:
        return send(res, 404, notFoundPage(tracker));
    }
  } catch (err) {
    console.error("[marketing-site]", err);
    if (!res.headersSent) send(res, 500, "Something went wrong", "text/plain");
    else res.end();
  }
});

server.listen(port, () => {
  console.log(`[marketing-site] http://localhost:${port}/ (tracker ${tracker.src})`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
