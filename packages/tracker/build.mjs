// One source, several scripts (Plausible-style): esbuild `define` flags drop what a variant does not use.
import { mkdirSync } from "node:fs";
import { build } from "esbuild";
import { measureSizes } from "./sizes.mjs";

/**
 * File name → features. `vouch.js` is the base: visit attribution only. The greeting builds also fill the page's
 * `data-vouch-greeting` element with the friend's greeting.
 */
const VARIANTS = {
  "vouch.js": { lead: false, consent: false, greeting: false },
  "vouch.consent.js": { lead: false, consent: true, greeting: false },
  "vouch.lead.js": { lead: true, consent: false, greeting: false },
  "vouch.lead.consent.js": { lead: true, consent: true, greeting: false },
  "vouch.greeting.js": { lead: false, consent: false, greeting: true },
  "vouch.lead.greeting.js": { lead: true, consent: false, greeting: true },
};

const outdir = new URL("./dist/", import.meta.url);
mkdirSync(outdir, { recursive: true });

const shared = {
  tsconfigRaw: {},
  bundle: true,
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
};

await Promise.all([
  ...Object.entries(VARIANTS).map(([file, features]) =>
    build({
      ...shared,
      entryPoints: ["src/script.ts"],
      outfile: `dist/${file}`,
      format: "iife",
      define: {
        __LEAD__: String(features.lead),
        __CONSENT__: String(features.consent),
        __GREETING__: String(features.greeting),
      },
    }),
  ),
  build({
    ...shared,
    minify: false,
    entryPoints: ["src/index.ts"],
    outfile: "dist/index.mjs",
    format: "esm",
    define: { __LEAD__: "true", __CONSENT__: "true", __GREETING__: "true" },
  }),
]);

if (process.argv.includes("--sizes")) {
  for (const { file, raw, gzip, budget } of measureSizes()) {
    console.log(
      `${file.padEnd(24)} ${String(raw).padStart(5)} B raw ${String(gzip).padStart(5)} B gzip (budget ${budget})`,
    );
  }
}
