import { base64UrlDecode, base64UrlEncode } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";

/**
 * Credentials at rest: AES-256-GCM (WebCrypto) with the deployment's key, the Worker secret
 * `VOUCH_ENCRYPTION_KEY`. The secret lists one or more keys, newest first: `k2:<base64 32 bytes>,k1:<…>` (a
 * bare base64 key is `k1`). Values are written with the first and read with whichever key id they name, so a
 * key rotates by putting a new one in front, then saving each integration again (or waiting: every value
 * written from then on uses the new key), then dropping the old one.
 *
 * Stored form: `enc:v1:<key id>:<iv>:<ciphertext>` (base64url). The associated data binds a value to its program
 * and purpose, so a ciphertext copied to another program's row does not decrypt.
 */
export interface VaultEnv {
  VOUCH_ENCRYPTION_KEY?: string;
}

interface Key {
  id: string;
  key: Promise<CryptoKey>;
}

const cache = new Map<string, Key[]>();

function keysOf(env: VaultEnv): Key[] {
  const raw = (env.VOUCH_ENCRYPTION_KEY ?? "").trim();
  if (!raw) {
    throw new ApiError(
      "encryption_key_missing",
      "This deployment has no VOUCH_ENCRYPTION_KEY secret, so CRM credentials cannot be stored: `wrangler secret put VOUCH_ENCRYPTION_KEY` (see README, CRM).",
    );
  }
  const hit = cache.get(raw);
  if (hit) return hit;
  const keys = raw.split(",").map((part, i) => {
    const [id, material] = part.includes(":") ? (part.split(":", 2) as [string, string]) : [`k${i + 1}`, part];
    const bytes = base64UrlDecode(material.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
    if (bytes?.length !== 32 || !/^[A-Za-z0-9_-]{1,16}$/.test(id.trim())) {
      throw new ApiError(
        "encryption_key_missing",
        "VOUCH_ENCRYPTION_KEY must be `<key id>:<32 bytes in base64>` (comma-separated, newest first): `openssl rand -base64 32`.",
      );
    }
    return {
      id: id.trim(),
      key: crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
    };
  });
  cache.set(raw, keys);
  return keys;
}

const encoder = new TextEncoder();

export async function seal(env: VaultEnv, plaintext: string, context: string): Promise<string> {
  const [current] = keysOf(env);
  if (!current) throw new ApiError("encryption_key_missing", "VOUCH_ENCRYPTION_KEY is empty.");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    await current.key,
    encoder.encode(plaintext),
  );
  return `enc:v1:${current.id}:${base64UrlEncode(iv)}:${base64UrlEncode(new Uint8Array(ct))}`;
}

/** The plaintext, or an error naming what is wrong (an unknown key id: the key was dropped before rotation). */
export async function open(env: VaultEnv, stored: string, context: string): Promise<string> {
  const [scheme, version, id, ivText, ctText] = stored.split(":");
  const key = keysOf(env).find((k) => k.id === id);
  const iv = base64UrlDecode(ivText ?? "");
  const ct = base64UrlDecode(ctText ?? "");
  if (scheme !== "enc" || version !== "v1" || !iv || !ct) throw new Error("not a sealed value");
  if (!key) throw new Error(`sealed with key ${id}, which VOUCH_ENCRYPTION_KEY no longer lists`);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    await key.key,
    ct,
  );
  return new TextDecoder().decode(plain);
}

/** The key id a stored value was sealed with (to find values still on an old key). */
export function sealedWith(stored: string): string | null {
  const parts = stored.split(":");
  return parts[0] === "enc" ? (parts[2] ?? null) : null;
}

/** What the API shows instead of a secret: its first characters (a vendor prefix) and last four. */
export function maskHint(secret: string): string {
  const prefix = /^[a-z]{2,4}-/i.exec(secret)?.[0] ?? "";
  return `${prefix}…${secret.slice(-4)}`;
}
