/**
 * The package as it is published: `pnpm test` builds dist/ first (build.mjs), and these check what a
 * vendor's `npm install @vouch/node` would get.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";

const root = new URL("../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

test("every export and import condition points at a built file", () => {
  const targets = [
    ...Object.values(pkg.exports).flatMap((entry) =>
      typeof entry === "string" ? [entry] : Object.values(entry as object),
    ),
    ...Object.values(pkg.imports["#webcrypto"]),
  ] as string[];
  for (const target of targets) expect(existsSync(new URL(target, root)), target).toBe(true);
  expect(pkg.engines.node).toBe(">=18");
  expect(Object.keys(pkg.dependencies)).toEqual(["jose", "standardwebhooks"]);
});

test("the declarations name no workspace package: the API's error codes are inlined", () => {
  const dist = new URL("dist/", root);
  const declarations = readdirSync(dist, { recursive: true }).filter((file) => String(file).endsWith(".d.ts"));
  expect(declarations.length).toBeGreaterThan(5);
  for (const file of declarations)
    expect(readFileSync(new URL(String(file), dist), "utf8")).not.toMatch(/^(import|export).* from "@vouch\/edge-api/m);
  expect(readFileSync(new URL("client/errors.d.ts", dist), "utf8")).toMatch(
    /type ErrorCode = "bad_request" \| .*"rate_limited"/,
  );
});

test("the built core runs without a global crypto (Node 18), through the package's own specifiers", () => {
  const script = `
    delete globalThis.crypto;
    const { signIdentity, identityToken } = await import("@vouch/node");
    const { attribution } = await import("@vouch/node/http");
    const { signature } = await signIdentity({ id: "user_1" }, { identitySecret: "s" });
    const token = await identityToken({ id: "user_1" }, { identitySecret: "s" });
    console.log(JSON.stringify([typeof globalThis.crypto, signature, token.split(".").length, typeof attribution()]));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  expect(JSON.parse(out)).toEqual([
    "undefined",
    "2980ae512e3cf7479958a990fee84a5399a8dbcd668e16dca6e029eb97a5f220", // createHmac("sha256", "s").update("user_1")
    3,
    "function",
  ]);
});
