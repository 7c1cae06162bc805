import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Copies the browser builds into the API's assets folder so workerd serves them from the API origin, and the
 * Scalar reference bundle that `/docs` loads from the same origin (no CDN: it works offline and under a CSP).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = path.join(root, "packages/edge-api/public");
mkdirSync(target, { recursive: true });
let copied = 0;
for (const pkg of ["tracker", "widget"]) {
  const dist = path.join(root, "packages", pkg, "dist");
  if (!existsSync(dist)) continue;
  for (const file of readdirSync(dist, { recursive: true }) as string[]) {
    if (!/\.(m?js|map)$/.test(file)) continue;
    const to = path.join(target, file);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(path.join(dist, file), to);
    copied++;
  }
}
// The package exports no path to its standalone build: find it beside the package's entry (dist/index.js).
const scalarEntry = createRequire(path.join(root, "packages/edge-api/package.json")).resolve("@scalar/api-reference");
const scalar = path.join(path.dirname(scalarEntry), "browser/standalone.js");
mkdirSync(path.join(target, "docs"), { recursive: true });
copyFileSync(scalar, path.join(target, "docs/scalar.js"));
copied++;
console.log(`build-assets: ${copied} files → packages/edge-api/public`);
