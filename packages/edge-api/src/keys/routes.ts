import { router } from "../lib/app";
import { pageQuery } from "../lib/pagination";
import { readBody, readQuery } from "../lib/validate";
import { createKeySchema } from "./schema";
import { createKey, keyView, listKeys, revokeKey } from "./service";

export const keyRoutes = router();

keyRoutes.get("/", async (c) => {
  const { page, next_cursor } = await listKeys(c.env.DB, c.get("program").id, readQuery(c, pageQuery));
  return c.json({ data: page.map(keyView), next_cursor });
});

/** Rotation: create the new key, deploy it, then revoke the old one. The full key is shown only here. */
keyRoutes.post("/", async (c) => {
  const { type } = await readBody(c, createKeySchema);
  const program = c.get("program");
  const { key, row } = await createKey(c.env.DB, program.id, type, program.testMode);
  return c.json({ key: { ...keyView(row), secret: key } }, 201);
});

keyRoutes.delete("/:id", async (c) => {
  return c.json({ key: keyView(await revokeKey(c.env.DB, c.get("program").id, c.req.param("id"))) });
});
