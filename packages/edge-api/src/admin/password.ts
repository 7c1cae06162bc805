import { base64UrlDecode, base64UrlEncode, timingSafeEqual } from "../lib/crypto";

/**
 * Admin passwords: PBKDF2-SHA256 through WebCrypto with a 16-byte salt per admin, stored as
 * `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url), so the count can rise later and old hashes still verify
 * (and are re-hashed at the next sign-in). 100,000 iterations is the most Cloudflare Workers allow: workerd
 * refuses a higher count. Runs the same in Node (`pnpm vouch create-admin`).
 */
export const PBKDF2_ITERATIONS = 100_000;
export const MIN_PASSWORD_LENGTH = 12;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${base64UrlEncode(salt)}$${base64UrlEncode(hash)}`;
}

/** A stored hash that no password matches: verified against when the email is unknown, so timing tells nothing. */
export const UNMATCHABLE_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$${"A".repeat(43)}`;

export async function verifyPassword(password: string, stored: string): Promise<{ ok: boolean; rehash: boolean }> {
  const [scheme, count, saltText, hashText] = stored.split("$");
  const iterations = Number(count);
  const salt = base64UrlDecode(saltText ?? "");
  if (scheme !== "pbkdf2-sha256" || !Number.isInteger(iterations) || iterations < 1 || !salt || !hashText) {
    return { ok: false, rehash: false };
  }
  const hash = await derive(password, salt, Math.min(iterations, PBKDF2_ITERATIONS));
  const ok = timingSafeEqual(base64UrlEncode(hash), hashText);
  return { ok, rehash: ok && iterations < PBKDF2_ITERATIONS };
}
