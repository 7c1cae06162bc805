import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors";

export const BODY_LIMIT_BYTES = 16 * 1024;

/** zod issues as the `details` of a validation error: `[{ path: "friend.email", message }]`. */
export function issuesToDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

/** Parses or answers 422 with per-field details; `at` prefixes the paths of a nested value (`fraud_rules`). */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = "Request body",
  at?: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error).map((d) =>
      at ? { ...d, path: d.path ? `${at}.${d.path}` : at } : d,
    );
    throw new ApiError("validation_failed", `${what} is invalid.`, details);
  }
  return result.data;
}

/**
 * Reads a JSON body with a size cap: the second line behind `limitBody` (src/lib/body-limit.ts), which counts
 * the body while it streams in. Browser calls may send `text/plain` (a CORS "simple request" that
 * needs no preflight, and what `navigator.sendBeacon` sends), so both media types are parsed as JSON.
 */
export async function readJson(c: Context, maxBytes = BODY_LIMIT_BYTES): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "" && type !== "application/json" && type !== "text/plain") {
    throw new ApiError("unsupported_media_type", "Send the body as application/json.", { content_type: type });
  }
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > maxBytes) throw tooLarge(maxBytes);
  const text = new TextDecoder().decode(buf);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON.");
  }
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S, maxBytes?: number): Promise<z.infer<S>> {
  return parseWith(schema, await readJson(c, maxBytes));
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseWith(schema, c.req.query(), "Query string");
}

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `Request body is larger than ${maxBytes} bytes.`, { max_bytes: maxBytes });
}

/** Shared field shapes. */
export const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());
export const shortText = (max = 200) => z.string().trim().min(1).max(max);
export const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "Use a 3-letter ISO 4217 currency code")
  .transform((v) => v.toUpperCase());

/** Times in answers: ISO 8601 in UTC with milliseconds (src/lib/time.ts `iso`). */
export const timestamp = z.iso.datetime();

/** `{ id }`, the path of a route about one object, with what the id names and an example. */
export const idParams = (what: string, example: string) =>
  z.object({ id: z.string().meta({ description: `The ${what}'s id.`, example }) });
