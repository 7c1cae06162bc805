import { z } from "zod";
import { router } from "../lib/app";
import { defineListRoute, defineRoute } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { keyExample } from "../openapi/examples";
import { createdKeySchema, createKeySchema, keyParams, keyViewSchema } from "./schema";
import { createKey, keyView, listKeys, revokeKey } from "./service";

export const keyRoutes = router();

defineListRoute(
  keyRoutes,
  {
    path: "/",
    operationId: "listApiKeys",
    tag: "keys",
    summary: "List API keys (prefixes only), oldest first",
    description: "The full key is never shown again after its creation.",
    query: pageQuery,
    item: keyViewSchema,
    example: keyExample,
  },
  (c, query) => listKeys(c.env.DB, c.get("program").id, query),
  keyView,
);

/** Rotation: create the new key, deploy it, then revoke the old one. The full key is shown only here. */
defineRoute(
  keyRoutes,
  {
    method: "post",
    path: "/",
    operationId: "createApiKey",
    tag: "keys",
    summary: "Create a key (shown once): the first half of a rotation",
    description: "Create the new key, deploy it, then revoke the old one. The full key is in this answer only.",
    auth: "secret",
    body: createKeySchema,
    bodyExample: { type: "secret" },
    responses: {
      201: {
        description: "The new key, with its full `secret` (shown once).",
        schema: createdKeySchema,
        example: { key: { ...keyExample, secret: "vch_sk_live_Zk3qLp9Xn2Vb5Tw8Qm4Rj7Hd2Xp8Zn4K" } },
      },
    },
    errors: [],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const { key, row } = await createKey(c.env.DB, program.id, body.type, program.testMode);
    return c.json({ key: { ...keyView(row), secret: key } }, 201);
  },
);

defineRoute(
  keyRoutes,
  {
    method: "delete",
    path: "/{id}",
    operationId: "revokeApiKey",
    tag: "keys",
    summary: "Revoke a key",
    description:
      "At once in the isolate that revokes it, within 30 s everywhere (keys are cached per isolate). The program's last live secret key cannot be revoked.",
    auth: "secret",
    params: keyParams,
    responses: {
      200: {
        description: "The revoked key.",
        schema: z.object({ key: keyViewSchema }),
        example: { key: { ...keyExample, revoked_at: "2026-01-20T10:00:00.000Z" } },
      },
    },
    errors: ["not_found", "conflict"],
  },
  async (c, { params }) => c.json({ key: keyView(await revokeKey(c.env.DB, c.get("program").id, params.id)) }),
);
