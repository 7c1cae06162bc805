import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/**
 * Three outputs from one source:
 * - dist/widget.js        the script-tag loader + plain-DOM callout (IIFE, budget 6 kB gzip)
 * - dist/widget-panel.js  the Preact share panel, fetched by the loader on first open (IIFE, budget 14 kB gzip)
 * - dist/esm/index.mjs    for bundlers; the panel is a dynamic import() so it stays a separate chunk
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");

/** `import css from "./x.css?raw"` (the same syntax Vite/vitest understand) → minified CSS text. */
const rawCss = {
  name: "raw-css",
  setup(build) {
    build.onResolve({ filter: /\.css\?raw$/ }, (args) => ({
      path: path.join(args.resolveDir, args.path.replace(/\?raw$/, "")),
      namespace: "raw-css",
    }));
    build.onLoad({ filter: /.*/, namespace: "raw-css" }, async (args) => {
      const css = await readFile(args.path, "utf8");
      const { code } = await esbuild.transform(css, { loader: "css", minify: true, target: ["chrome100", "safari15"] });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

const common = {
  bundle: true,
  minify: true,
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  plugins: [rawCss],
  logLevel: "warning",
};

await rm(dist, { recursive: true, force: true });

await esbuild.build({
  ...common,
  entryPoints: [path.join(here, "src/panel/iife.ts")],
  outfile: path.join(dist, "widget-panel.js"),
  format: "iife",
});
// The loader asks for the panel by content hash, so a cached old panel never meets a new loader.
const panelVersion = createHash("sha256")
  .update(await readFile(path.join(dist, "widget-panel.js")))
  .digest("hex")
  .slice(0, 10);

await esbuild.build({
  ...common,
  entryPoints: [path.join(here, "src/loader.ts")],
  outfile: path.join(dist, "widget.js"),
  format: "iife",
  define: { __VOUCH_PANEL_VERSION__: JSON.stringify(panelVersion) },
});

await esbuild.build({
  ...common,
  entryPoints: { index: path.join(here, "src/esm.ts") },
  outdir: path.join(dist, "esm"),
  outExtension: { ".js": ".mjs" },
  format: "esm",
  splitting: true,
  chunkNames: "[name]-[hash]",
  external: ["preact", "preact/*"],
  define: { __VOUCH_PANEL_VERSION__: JSON.stringify(panelVersion) },
});
