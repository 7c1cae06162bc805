import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Copies the browser builds into the API's assets folder so workerd serves them from the API origin. */
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
console.log(`build-assets: ${copied} files → packages/edge-api/public`);
