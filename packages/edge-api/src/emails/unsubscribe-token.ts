import { base64UrlEncode, deriveKey, hmacSha256, timingSafeEqual } from "../lib/crypto";

/**
 * The one-click unsubscribe link in every member email (`List-Unsubscribe`, RFC 8058): `POST /u/<token>`.
 *
 * Format: `ous1.<program id>.<member id>.<MAC>`, the MAC base64url HMAC-SHA256 over `<program id>\n<member id>`
 * with a key derived from the program's token secret for this purpose alone (`email-unsubscribe`), so no access
 * link, member token or click id verifies here, nor this token there. It does not expire: an old email's link
 * must still work, and all it can do is stop email to the member it names.
 */
const SHAPE = /^ous1\.(prg_[A-Za-z0-9]{1,64})\.(mem_[A-Za-z0-9]{1,64})\.([A-Za-z0-9_-]{43})$/;

async function mac(tokenSecret: string, programId: string, memberId: string): Promise<string> {
  const key = await deriveKey(tokenSecret, "email-unsubscribe");
  return base64UrlEncode(await hmacSha256(key, `${programId}\n${memberId}`));
}

export async function mintUnsubscribeToken(program: { id: string; tokenSecret: string }, memberId: string) {
  return `ous1.${program.id}.${memberId}.${await mac(program.tokenSecret, program.id, memberId)}`;
}

/** The program and member a token names, unverified (which program's secret to check it with); null if malformed. */
export function readUnsubscribeToken(token: string): { programId: string; memberId: string } | null {
  const m = SHAPE.exec(token);
  return m ? { programId: m[1] as string, memberId: m[2] as string } : null;
}

export async function verifyUnsubscribeToken(
  program: { id: string; tokenSecret: string },
  token: string,
): Promise<{ memberId: string } | null> {
  const claims = readUnsubscribeToken(token);
  if (!claims || claims.programId !== program.id) return null;
  const expected = await mac(program.tokenSecret, claims.programId, claims.memberId);
  return timingSafeEqual(expected, token.slice(token.lastIndexOf(".") + 1)) ? { memberId: claims.memberId } : null;
}
