import { webcrypto } from "#webcrypto";

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  let out = "";
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(input: string): Promise<string> {
  return hex(await webcrypto.subtle.digest("SHA-256", encoder.encode(input)));
}

/** Hex HMAC-SHA256 of a UTF-8 message with a UTF-8 key, as the API computes it (src/lib/crypto.ts). */
export async function hmacSha256Hex(key: string, message: string): Promise<string> {
  const cryptoKey = await webcrypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await webcrypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}
