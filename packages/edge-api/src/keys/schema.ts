import { z } from "zod";
import { idParams, timestamp } from "../lib/validate";

export const createKeySchema = z.object({ type: z.enum(["publishable", "secret"]) });

export const keyViewSchema = z
  .object({
    id: z.string(),
    type: z.enum(["publishable", "secret"]),
    prefix: z.string().meta({ description: "The key's first characters, to tell keys apart." }),
    created_at: timestamp,
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });

export const createdKeySchema = z.object({
  key: keyViewSchema.extend({ secret: z.string().meta({ description: "The full key, shown once." }) }),
});

export const keyParams = idParams("API key", "key_3Vb7Lq2Xp8Zn4Kw6");
