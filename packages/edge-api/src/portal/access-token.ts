import { base64UrlEncode, deriveKey, hmacSha256, timingSafeEqual } from "../lib/crypto";

/**
 * One Click Access: a signed, expiring value that names its program, member and purpose, so a member reaches
 * their portal from an email with no login (`/o/<token>`), and the portal's session cookie.
 *
 * Format: `oca1.<purpose>.<program id>.<member id>.<exp, unix seconds>.<MAC>`, where the MAC is base64url
 * HMAC-SHA256 over `<purpose>\n<program id>\n<member id>\n<exp>` with a key derived from the program's token
 * secret for that purpose alone (`deriveKey(tokenSecret, "access:<purpose>")`). Member tokens (`member-token`),
 * click ids (`click-id`) and visitor hashes use other derived keys and other shapes, so none of them verifies
 * here, and an access token verifies as none of them. The program and member are in the clear: the program
 * says whose secret to check with, and both are ids, not personal data.
 *
 * Purposes:
 * - `portal`: the link the host mints for its emails (`POST /v1/members/{id}/access-link`), 1 hour to 30 days.
 * - `portal-session`: the portal's cookie, set when a link is opened; at most an hour and never past the link.
 */
export const ACCESS_PURPOSES = ["portal", "portal-session"] as const;
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

const HOUR_MS = 3600 * 1000;

/** The longest each purpose may live: what we mint, and what we accept. */
export const MAX_TTL_MS: Record<AccessPurpose, number> = {
  portal: 720 * HOUR_MS,
  "portal-session": HOUR_MS,
};

export const DEFAULT_LINK_HOURS = 72;
const CLOCK_SKEW_MS = 60 * 1000;

const SHAPE =
  /^oca1\.(portal|portal-session)\.(prg_[A-Za-z0-9]{1,64})\.(mem_[A-Za-z0-9]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export interface AccessClaims {
  purpose: AccessPurpose;
  programId: string;
  memberId: string;
  /** Unix milliseconds (whole seconds). */
  expiresAt: number;
}

async function mac(tokenSecret: string, claims: AccessClaims): Promise<string> {
  const key = await deriveKey(tokenSecret, `access:${claims.purpose}`);
  const exp = Math.floor(claims.expiresAt / 1000);
  return base64UrlEncode(await hmacSha256(key, `${claims.purpose}\n${claims.programId}\n${claims.memberId}\n${exp}`));
}

export async function mintAccessToken(
  program: { id: string; tokenSecret: string },
  purpose: AccessPurpose,
  memberId: string,
  expiresAtMs: number,
): Promise<string> {
  const claims = { purpose, programId: program.id, memberId, expiresAt: Math.floor(expiresAtMs / 1000) * 1000 };
  const exp = claims.expiresAt / 1000;
  return `oca1.${purpose}.${program.id}.${memberId}.${exp}.${await mac(program.tokenSecret, claims)}`;
}

/** What a token says about itself, unverified: which program to check it with. Null if it has no access shape. */
export function readAccessToken(token: string): AccessClaims | null {
  const m = SHAPE.exec(token);
  if (!m) return null;
  const [, purpose, programId, memberId, exp] = m as unknown as [string, AccessPurpose, string, string, string];
  return { purpose, programId, memberId, expiresAt: Number(exp) * 1000 };
}

export type AccessVerdict = { ok: true; claims: AccessClaims } | { ok: false; reason: "invalid" | "expired" };

/**
 * Checks a token for `purpose` against the program that should have minted it: shape, purpose, program, MAC
 * (in constant time), then time. "expired" only for a token we did sign, so a forgery learns nothing from the
 * answer; a token that claims to live longer than its purpose allows is "invalid" (we never mint those).
 */
export async function verifyAccessToken(
  program: { id: string; tokenSecret: string },
  token: string,
  purpose: AccessPurpose,
  nowMs = Date.now(),
): Promise<AccessVerdict> {
  const claims = readAccessToken(token);
  if (!claims || claims.purpose !== purpose || claims.programId !== program.id) return { ok: false, reason: "invalid" };
  const expected = await mac(program.tokenSecret, claims);
  if (!timingSafeEqual(expected, token.slice(token.lastIndexOf(".") + 1))) return { ok: false, reason: "invalid" };
  if (claims.expiresAt > nowMs + MAX_TTL_MS[purpose] + CLOCK_SKEW_MS) return { ok: false, reason: "invalid" };
  if (claims.expiresAt <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}
