import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/**
 * The dashboard is built into the Worker's static assets (`packages/edge-api/public/admin`) and served by the same
 * Worker under /admin/ (src/admin/static.ts there), so one `wrangler deploy` ships API and dashboard together.
 */
export default defineConfig({
  base: "/admin/",
  plugins: [preact()],
  build: {
    outDir: "../edge-api/public/admin",
    emptyOutDir: true,
    target: "es2022",
    // A strict CSP (script-src 'self') allows no inline script: Vite's module preload polyfill would be one.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
