const encoder = new TextEncoder();

export function toHex(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(input: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(input)) return null;
  const padded = input.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((input.length + 3) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export async function sha256Hex(input: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(input)));
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex((await hmacSha256(secret, message)).buffer as ArrayBuffer);
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  // workerd ships crypto.subtle.timingSafeEqual; it requires equal lengths.
  if (ab.byteLength !== bb.byteLength) {
    // Still spend comparable time so length differences are the only signal.
    (
      crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean }
    ).timingSafeEqual(ab, ab);
    return false;
  }
  return (
    crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean }
  ).timingSafeEqual(ab, bb);
}

export function randomToken(bytes = 24): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * A key for one purpose, derived from a program secret: `hex(SHA-256("vouch:<purpose>:v1:" + secret))`.
 * Tokens and signatures of different purposes never share a key, so a value minted for one purpose is
 * never valid for another (DESIGN.md, "Keys are never reused across purposes). A hash, not an HMAC keyed
 * with the secret: hosts HMAC whatever id a user picks with the identity secret, so an HMAC-based key
 * would be one sign-up away (the id "vouch:<purpose>:v1"). The JWT secret is derived the same way.
 */
export function deriveKey(secret: string, purpose: string): Promise<string> {
  const id = `${purpose}\n${secret}`;
  let key = derivedCache.get(id);
  if (!key) {
    key = sha256Hex(`vouch:${purpose}:v1:${secret}`);
    if (derivedCache.size > 512) derivedCache.clear();
    derivedCache.set(id, key);
  }
  return key;
}

const derivedCache = new Map<string, Promise<string>>();
