// Builds dist/: one ES module per entry point (esbuild) and their declarations (tsc). The API's error codes
// are written into the declarations as a union, so the published package needs no `@vouch/edge-api`.
// `--js` skips the declarations (the tests and `pnpm dev` need only the JavaScript).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const started = Date.now();
const here = fileURLToPath(new URL(".", import.meta.url));
const dist = new URL("./dist/", import.meta.url);
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: {
    // package.json `exports`
    index: "src/index.ts",
    http: "src/attribution/http.ts",
    next: "src/attribution/next.ts",
    hono: "src/attribution/hono.ts",
    // package.json `imports` (`#webcrypto`): the global one, or node:crypto's for Node 18.
    "runtime/webcrypto": "src/runtime/webcrypto.ts",
    "runtime/webcrypto.node": "src/runtime/webcrypto.node.ts",
  },
  absWorkingDir: here,
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Kept as imports: the dependencies, Node's built-ins (Node adapters only) and the runtime's crypto.
  external: ["jose", "standardwebhooks", "node:*", "#webcrypto"],
  // Not the tsconfig: its `paths` are for the type checker.
  tsconfigRaw: {},
  logLevel: "warning",
});

if (!process.argv.includes("--js")) {
  // The API's codes, read from the object that maps them to statuses.
  const { outputFiles } = await build({
    entryPoints: ["../edge-api/src/lib/errors.ts"],
    absWorkingDir: here,
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const { ERROR_STATUS } = await import(`data:text/javascript,${encodeURIComponent(outputFiles[0].text)}`);
  const union = Object.keys(ERROR_STATUS)
    .map((code) => JSON.stringify(code))
    .join(" | ");
  writeFileSync(new URL(".edge-api-types.d.ts", dist), `export type ErrorCode = ${union};\n`);
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: here, stdio: "inherit" });
  rmSync(new URL(".edge-api-types.d.ts", dist));
  for (const file of readdirSync(dist, { recursive: true })) {
    if (!String(file).endsWith(".d.ts")) continue;
    const path = new URL(String(file), dist);
    const text = readFileSync(path, "utf8");
    const inlined = text.replace(
      /import type \{ ErrorCode \} from "@vouch\/edge-api\/types";/,
      `/** The API's error codes (packages/edge-api/src/lib/errors.ts). */\ntype ErrorCode = ${union};`,
    );
    if (inlined !== text) writeFileSync(path, inlined);
  }
}
console.log(`@vouch/node built in ${Date.now() - started} ms`);
