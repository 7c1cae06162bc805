import { Hono } from "hono";
import type { AppEnv } from "../lib/app";

/**
 * `/admin/`: the dashboard (packages/dashboard), built into the Worker's static assets and served by this Worker
 * (wrangler.jsonc sends /admin/* here first), so it gets its security headers and a single-page-app fallback:
 * any path that is not a file is the app, which routes on the client.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const dashboardRoutes = new Hono<AppEnv>();

dashboardRoutes.get("/admin", (c) => c.redirect("/admin/", 301));

dashboardRoutes.get("/admin/*", async (c) => {
  const url = new URL(c.req.url);
  // Built files (scripts, styles) are served as they are; any other path, an .html one included, is the app.
  const file = /\/[^/]+\.(?:js|css|map|svg|png|ico|woff2?)$/.test(url.pathname);
  const res = await c.env.ASSETS.fetch(new Request(file ? url : new URL("/admin/", url), { method: "GET" }));
  const headers = new Headers(res.headers);
  headers.set("Content-Security-Policy", DASHBOARD_CSP);
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "no-referrer");
  if (file) {
    if (!res.ok) return new Response("Not found", { status: 404, headers });
    // Vite names built files by their content: they never change.
    if (url.pathname.startsWith("/admin/assets/")) headers.set("Cache-Control", "public, max-age=31536000, immutable");
    return new Response(res.body, { status: res.status, headers });
  }
  if (!res.ok) {
    return new Response("The dashboard is not built yet: run `pnpm build` (`pnpm dev` builds it for you).", {
      status: 503,
      headers,
    });
  }
  headers.set("Cache-Control", "no-cache");
  return new Response(res.body, { status: 200, headers });
});
