import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Where `vite build` puts the dashboard: the Worker's assets. */
export const OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../edge-api/public/admin");
/** The brief's budget for the first load's JavaScript, gzip. */
export const FIRST_LOAD_JS_BUDGET = 150 * 1024;

/** What a first visit downloads: the files index.html names (and their static imports), gzip-compressed. */
export function firstLoad(outDir = OUT_DIR): { js: number; css: number; files: string[] } {
  const html = readFileSync(path.join(outDir, "index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/admin\/([^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
  const seen = new Set<string>();
  const queue = [...files];
  while (queue.length) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith(".js")) {
      const code = readFileSync(path.join(outDir, file), "utf8");
      // Static imports of other chunks load with the entry; dynamic ones (import()) do not.
      for (const m of code.matchAll(/(?:^|[;\n])import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) {
        queue.push(path.posix.join(path.posix.dirname(file), m[1] as string));
      }
    }
  }
  let js = 0;
  let css = 0;
  for (const file of seen) {
    const size = gzipSync(readFileSync(path.join(outDir, file)), { level: 9 }).length;
    if (file.endsWith(".js")) js += size;
    else css += size;
  }
  return { js, css, files: [...seen] };
}
