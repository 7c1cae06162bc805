/**
 * `pnpm openapi [file]`: writes the API document (what `/v1/openapi.json` serves, built from the routes, without
 * the serving origin among its servers) to a file, or prints it. No server and no network: the app is imported.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export async function apiDocument(): Promise<Record<string, any>> {
  const [{ app }, { buildDocument }] = await Promise.all([import("../src/index"), import("../src/openapi/document")]);
  return buildDocument(app) as Record<string, any>;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const json = `${JSON.stringify(await apiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, json);
    console.log(`openapi: ${file}`);
  } else process.stdout.write(json);
}
