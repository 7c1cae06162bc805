import { z } from "zod";
import { forgetProgram } from "../auth/keys";
import { router } from "../lib/app";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { pageOf, pageQuery, pageStart } from "../lib/pagination";
import { readBody, readQuery } from "../lib/validate";
import { generateApiKey, keyPrefix } from "../programs/create";

export const createKeySchema = z.object({ type: z.enum(["publishable", "secret"]) });

interface KeyRow {
  id: string;
  type: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

const toKey = (r: KeyRow) => ({
  id: r.id,
  type: r.type,
  prefix: r.key_prefix,
  created_at: new Date(r.created_at).toISOString(),
  revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
});

export const keyRoutes = router();

/** Oldest first, as before the list was paged. */
keyRoutes.get("/", async (c) => {
  const { limit, cursor } = readQuery(c, pageQuery);
  const [cursorAt, cursorId] = pageStart(cursor, "asc");
  const { results } = await c.env.DB.prepare(
    `SELECT id, type, key_prefix, created_at, revoked_at FROM api_keys
     WHERE program_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
  )
    .bind(c.get("program").id, cursorAt, cursorId, limit + 1)
    .all<KeyRow>();
  const { page, next_cursor } = pageOf(results, limit);
  return c.json({ data: page.map(toKey), next_cursor });
});

/** Rotation: create the new key, deploy it, then revoke the old one. The full key is shown only here. */
keyRoutes.post("/", async (c) => {
  const { type } = await readBody(c, createKeySchema);
  const program = c.get("program");
  const key = generateApiKey(type, program.testMode);
  const row: KeyRow = { id: newId("key"), type, key_prefix: keyPrefix(key), created_at: Date.now(), revoked_at: null };
  await c.env.DB.prepare(
    "INSERT INTO api_keys (id, program_id, type, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(row.id, program.id, type, await sha256Hex(key), row.key_prefix, row.created_at)
    .run();
  return c.json({ key: { ...toKey(row), secret: key } }, 201);
});

keyRoutes.delete("/:id", async (c) => {
  const program = c.get("program");
  const id = c.req.param("id");
  // Revoking the last live secret key would leave no way back into this API.
  const live = await c.env.DB.prepare(
    "SELECT id FROM api_keys WHERE program_id = ? AND type = 'secret' AND revoked_at IS NULL",
  )
    .bind(program.id)
    .all<{ id: string }>();
  if (live.results.length === 1 && live.results[0]?.id === id) {
    throw new ApiError("conflict", "This is the program's last secret key. Create a new one before revoking it.", {
      key_id: id,
    });
  }
  const row = await c.env.DB.prepare(
    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND program_id = ? RETURNING id, type, key_prefix, created_at, revoked_at",
  )
    .bind(Date.now(), id, program.id)
    .first<KeyRow>();
  if (!row) throw new ApiError("not_found", `No API key ${id} in this program.`);
  forgetProgram(program.id);
  return c.json({ key: toKey(row) });
});
