import { router } from "../lib/app";
import { buildOpenApi } from "./spec";

export const openapiRoutes = router();

let cached: { origin: string; doc: ReturnType<typeof buildOpenApi> } | undefined;

openapiRoutes.get("/openapi.json", (c) => {
  const origin = new URL(c.req.url).origin;
  if (cached?.origin !== origin) cached = { origin, doc: buildOpenApi(origin) };
  c.header("Access-Control-Allow-Origin", "*");
  return c.json(cached.doc);
});
