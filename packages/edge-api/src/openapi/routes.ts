import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { type AppEnv, router } from "../lib/app";
import { randomToken } from "../lib/crypto";
import { buildDocument, registerComponents } from "./document";

/** The Scalar standalone bundle, copied into the Worker's assets by `pnpm build` (scripts/build-assets.ts). */
export const SCALAR_SCRIPT = "/docs/scalar.js";

/**
 * `GET /v1/openapi.json` (the document, built from `app`'s routes when first asked for) and `GET /docs` (the
 * interactive reference). Mounted before the API's auth so both are public; `app` is read at request time,
 * once every router has been mounted.
 */
export function referenceRoutes(app: OpenAPIHono<AppEnv>) {
  registerComponents(app);
  const routes = router();
  let cached: { origin: string; doc: ReturnType<typeof buildDocument> } | undefined;

  routes.get("/v1/openapi.json", (c) => {
    const origin = new URL(c.req.url).origin;
    if (cached?.origin !== origin) cached = { origin, doc: buildDocument(app, origin) };
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(cached.doc);
  });

  // Same-origin script and document only, with a per-response nonce for the inline start-up script: the page
  // works offline and under this strict policy (the default would load Scalar and its fonts from CDNs).
  routes.get("/docs", async (c, next) => {
    const nonce = randomToken(16);
    c.header(
      "Content-Security-Policy",
      [
        "default-src 'none'",
        `script-src 'self' 'nonce-${nonce}'`,
        // Scalar sets element styles at run time; styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join("; "),
    );
    const reference = Scalar<AppEnv>({
      url: "/v1/openapi.json",
      cdn: SCALAR_SCRIPT,
      nonce,
      pageTitle: "Vouch API reference",
      // Nothing that needs Scalar's cloud: no CDN fonts, AI agent, MCP generator or developer toolbar.
      withDefaultFonts: false,
      hideClientButton: true,
      showDeveloperTools: "never",
      agent: { disabled: true },
      mcp: { disabled: true },
    });
    return reference(c, next);
  });

  return routes;
}
