import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "./password";
import { ADMIN_ROLES } from "./service";

const email = z.string().trim().toLowerCase().email().max(254);

export const signInSchema = z.object({
  email,
  password: z.string().min(1).max(1024),
});

export const adminViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ADMIN_ROLES),
  created_at: z.iso.datetime(),
  last_login_at: z.iso.datetime().nullable(),
});

export const sessionViewSchema = z.object({
  admin: adminViewSchema,
  csrf_token: z.string().meta({ description: "Send it back as `X-CSRF-Token` on every change." }),
  expires_at: z.iso.datetime(),
  programs: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), test_mode: z.boolean() })),
});

export const createAdminSchema = z.object({
  email,
  name: z.string().trim().max(100).optional(),
  role: z.enum(ADMIN_ROLES),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(1024)
    .meta({ description: "The new admin's first password; share it privately." }),
});
