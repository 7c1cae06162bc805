import { z } from "zod";

export const createKeySchema = z.object({ type: z.enum(["publishable", "secret"]) });
