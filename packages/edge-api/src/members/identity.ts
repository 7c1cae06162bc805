import { base64UrlDecode, base64UrlEncode, hmacSha256, hmacSha256Hex, timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import type { Program } from "../programs/service";
import { jwtSecretFor } from "./jwt-secret";

export interface IdentityClaims {
  id: string;
  email?: string | undefined;
  name?: string | undefined;
  company?: string | undefined;
  /**
   * Whether the profile fields are signed too (a JWT's claims, or the host's server via the secret key).
   * An HMAC signature covers only the id, so its profile fields may fill empty fields, never overwrite.
   */
  profileVerified?: boolean;
}

/** The host's server computes this: hex HMAC-SHA256 of the member's external id with the identity secret. */
export function signIdentity(identitySecret: string, externalId: string): Promise<string> {
  return hmacSha256Hex(identitySecret, externalId);
}

export async function verifySignature(program: Program, externalId: string, signature: string): Promise<void> {
  const expected = await signIdentity(program.identitySecret, externalId);
  if (!timingSafeEqual(expected, signature.toLowerCase())) {
    throw new ApiError("invalid_signature", "The identity signature does not match this member id.");
  }
}

const MAX_JWT_LIFETIME_S = 24 * 3600;
const CLOCK_SKEW_S = 60;

/**
 * Verifies a short-lived HS256 JWT signed with the program's identity secret. `sub` (or `id`) is the
 * member's external id; `email`, `name`, `company` are optional claims. `exp` is required.
 */
export async function verifyJwt(program: Program, token: string, nowMs = Date.now()): Promise<IdentityClaims> {
  const parts = token.split(".");
  const invalid = (why: string) => new ApiError("invalid_signature", `The identity token is invalid: ${why}.`);
  if (parts.length !== 3) throw invalid("expected three dot-separated parts");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  if (header?.alg !== "HS256") throw invalid("only alg HS256 is accepted");
  const expected = base64UrlEncode(await hmacSha256(await jwtSecretFor(program.identitySecret), `${h}.${p}`));
  if (!timingSafeEqual(expected, s)) throw invalid("signature mismatch");
  const claims = decodeJson(p);
  if (!claims) throw invalid("payload is not JSON");
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== "number") throw invalid("exp claim is required");
  if (claims.exp + CLOCK_SKEW_S < now) throw invalid("token has expired");
  if (claims.exp - now > MAX_JWT_LIFETIME_S + CLOCK_SKEW_S) throw invalid("exp is more than 24 hours ahead");
  if (typeof claims.nbf === "number" && claims.nbf - CLOCK_SKEW_S > now) throw invalid("token is not valid yet");
  const id = typeof claims.sub === "string" ? claims.sub : typeof claims.id === "string" ? claims.id : null;
  if (!id) throw invalid("sub claim (the member id) is required");
  const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
  return { id, email: str(claims.email), name: str(claims.name), company: str(claims.company), profileVerified: true };
}

function decodeJson(part: string): Record<string, unknown> | null {
  const bytes = base64UrlDecode(part);
  if (!bytes) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * After enrolment the widget holds a member token for its later calls (shares, peer referrals), so the
 * host's signature is checked once per page, not per click. Format: `mt_<member>.<exp>.<sig>`.
 */
const MEMBER_TOKEN_TTL_MS = 12 * 3600 * 1000;

export async function issueMemberToken(program: Program, memberId: string, nowMs = Date.now()): Promise<string> {
  const exp = Math.floor((nowMs + MEMBER_TOKEN_TTL_MS) / 1000);
  const sig = base64UrlEncode(
    await hmacSha256(program.identitySecret, `member-token:${program.id}:${memberId}:${exp}`),
  );
  return `mt_${memberId}.${exp}.${sig}`;
}

export async function verifyMemberToken(program: Program, token: string, nowMs = Date.now()): Promise<string> {
  const invalid = new ApiError("invalid_member_token", "The member token is invalid or expired. Call init again.");
  const m = /^mt_([A-Za-z0-9_]+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw invalid;
  const [, memberId, expText, sig] = m as unknown as [string, string, string, string];
  const expected = base64UrlEncode(
    await hmacSha256(program.identitySecret, `member-token:${program.id}:${memberId}:${expText}`),
  );
  if (!timingSafeEqual(expected, sig)) throw invalid;
  if (Number(expText) * 1000 < nowMs) throw invalid;
  return memberId;
}
