/**
 * `pnpm openapi [file]`: writes the API document (what `/v1/openapi.json` serves, built from the routes, without
 * the serving origin among its servers) to a file, or prints it. No server and no network: the app is imported.
 */
import { writeFileSync } from "node:fs";

export async function apiDocument(): Promise<Record<string, any>> {
  const [{ app }, { buildDocument }] = await Promise.all([import("../src/index"), import("../src/openapi/document")]);
  return buildDocument(app) as Record<string, any>;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const json = `${JSON.stringify(await apiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file) {
    writeFileSync(file, json);
    console.log(`openapi: ${file}`);
  } else process.stdout.write(json);
}
