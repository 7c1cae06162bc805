import { errors as joseErrors, jwtVerify } from "jose";
import { canonicalAttributes } from "../eligibility/rules";
import { attributesSchema, type MemberAttributes } from "../eligibility/schema";
import { base64UrlEncode, deriveKey, hmacSha256, hmacSha256Hex, timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { parseWith } from "../lib/validate";
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
  /** Signed attributes for the eligibility rules (the attributes signature, a JWT claim, or the secret key). */
  attributes?: MemberAttributes | undefined;
}

/** The host's server computes this: hex HMAC-SHA256 of the member's external id with the identity secret. */
export function signIdentity(identitySecret: string, externalId: string): Promise<string> {
  return hmacSha256Hex(identitySecret, externalId);
}

/**
 * A signature with a signed timestamp (unix seconds), so a leaked signature stops working after a day.
 * Its own derived key, `hex(SHA-256("vouch:signed-identity:v1:" + identity secret))`, signs
 * `<timestamp>.<id>`, so a host that signs user-chosen ids can never be made to produce one.
 */
export async function signIdentityAt(identitySecret: string, externalId: string, timestamp: number): Promise<string> {
  return hmacSha256Hex(await deriveKey(identitySecret, "signed-identity"), `${timestamp}.${externalId}`);
}

/**
 * A signature that covers the member's attributes too, so the browser cannot edit them: its own derived key
 * (`hex(SHA-256("vouch:signed-attributes:v1:" + identity secret))`) over the JSON array
 * `[timestamp or null, id, attributes with their keys sorted]`. A JSON array has one reading, so no id and
 * attributes can be made to sign as another pair, and no plain or timestamped signature is ever one of these.
 */
export async function signIdentityWithAttributes(
  identitySecret: string,
  externalId: string,
  attributes: MemberAttributes,
  timestamp?: number,
): Promise<string> {
  const message = `[${JSON.stringify(timestamp ?? null)},${JSON.stringify(externalId)},${canonicalAttributes(attributes)}]`;
  return hmacSha256Hex(await deriveKey(identitySecret, "signed-attributes"), message);
}

const MAX_IDENTITY_AGE_S = 24 * 3600;
const CLOCK_SKEW_S = 60;

/** Identity secrets that verify now: the current one, and the previous one during a rotation's grace period. */
export function liveIdentitySecrets(program: Program, nowMs = Date.now()): string[] {
  const secrets = [program.identitySecret];
  if (program.previousIdentitySecret && (program.previousIdentitySecretUntil ?? 0) > nowMs) {
    secrets.push(program.previousIdentitySecret);
  }
  return secrets;
}

export async function verifySignature(
  program: Program,
  externalId: string,
  signature: string,
  timestamp?: number,
  nowMs = Date.now(),
  attributes?: MemberAttributes,
): Promise<void> {
  if (timestamp === undefined && program.requireSignatureTimestamp) {
    throw new ApiError(
      "signature_required",
      "This program requires a signed timestamp: send `timestamp` (unix seconds) with a signature made by signIdentityAt.",
    );
  }
  if (timestamp !== undefined) {
    const now = Math.floor(nowMs / 1000);
    if (now - timestamp > MAX_IDENTITY_AGE_S + CLOCK_SKEW_S || timestamp - now > CLOCK_SKEW_S) {
      throw new ApiError(
        "invalid_signature",
        "The identity signature's timestamp is more than 24 hours old or in the future.",
      );
    }
  }
  const given = signature.toLowerCase();
  for (const secret of liveIdentitySecrets(program, nowMs)) {
    const expected = attributes
      ? await signIdentityWithAttributes(secret, externalId, attributes, timestamp)
      : timestamp === undefined
        ? await signIdentity(secret, externalId)
        : await signIdentityAt(secret, externalId, timestamp);
    if (timingSafeEqual(expected, given)) return;
  }
  throw new ApiError(
    "invalid_signature",
    attributes
      ? "The identity signature does not match this member id and attributes (sign them together: README, Eligibility)."
      : "The identity signature does not match this member id.",
  );
}

/**
 * Verifies a short-lived HS256 JWT (with `jose`) signed with the program's JWT secret, which is derived
 * from the identity secret (see jwt-secret.ts). `sub` (or `id`) is the member's external id; `email`,
 * `name`, `company` are optional claims. `exp` is required and at most 24 hours ahead.
 */
export async function verifyJwt(program: Program, token: string, nowMs = Date.now()): Promise<IdentityClaims> {
  const invalid = (why: string) => new ApiError("invalid_signature", `The identity token is invalid: ${why}.`);
  let lastError: unknown;
  for (const secret of liveIdentitySecrets(program, nowMs)) {
    try {
      const key = new TextEncoder().encode(await jwtSecretFor(secret));
      const { payload: claims } = await jwtVerify(token, key, {
        algorithms: ["HS256"],
        requiredClaims: ["exp"],
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(nowMs),
      });
      const now = Math.floor(nowMs / 1000);
      if ((claims.exp ?? 0) - now > MAX_IDENTITY_AGE_S + CLOCK_SKEW_S) throw invalid("exp is more than 24 hours ahead");
      const id = typeof claims.sub === "string" ? claims.sub : typeof claims.id === "string" ? claims.id : null;
      if (!id) throw invalid("sub claim (the member id) is required");
      const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
      return {
        id,
        email: str(claims.email),
        name: str(claims.name),
        company: str(claims.company),
        profileVerified: true,
        attributes:
          claims.attributes === undefined
            ? undefined
            : parseWith(attributesSchema, claims.attributes, "The token's attributes claim", "token.attributes"),
      };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      lastError = err;
      // Only a signature mismatch may be the other live secret's token; anything else is final.
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw invalid(jwtProblem(lastError));
}

function jwtProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "token has expired";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "signature mismatch";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "only alg HS256 is accepted";
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `${err.claim} claim ${err.reason === "missing" ? "is required" : "is not valid"}`;
  return "malformed token";
}

/**
 * After enrolment the widget holds a member token for its later calls (shares, peer referrals), so the
 * host's signature is checked once per page, not per click. Format: `mt_<member>.<exp>.<sig>`. Its key
 * is derived from the program's token secret, which never leaves the server: nothing the host signs can
 * be a token, and a token is no identity signature.
 */
export const MEMBER_TOKEN_TTL_MS = 12 * 3600 * 1000;

export async function memberTokenFor(
  tokenSecret: string,
  programId: string,
  memberId: string,
  expiresAtMs: number,
): Promise<string> {
  const exp = Math.floor(expiresAtMs / 1000);
  const key = await deriveKey(tokenSecret, "member-token");
  const sig = base64UrlEncode(await hmacSha256(key, `${programId}:${memberId}:${exp}`));
  return `mt_${memberId}.${exp}.${sig}`;
}

export function issueMemberToken(program: Program, memberId: string, nowMs = Date.now()): Promise<string> {
  return memberTokenFor(program.tokenSecret, program.id, memberId, nowMs + MEMBER_TOKEN_TTL_MS);
}

export async function verifyMemberToken(program: Program, token: string, nowMs = Date.now()): Promise<string> {
  const invalid = new ApiError("invalid_member_token", "The member token is invalid or expired. Call init again.");
  const m = /^mt_([A-Za-z0-9_]+)\.(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw invalid;
  const [, memberId, expText] = m as unknown as [string, string, string];
  const expMs = Number(expText) * 1000;
  // A token never lives longer than we issue them for, whoever signed it.
  if (expMs < nowMs || expMs > nowMs + MEMBER_TOKEN_TTL_MS + CLOCK_SKEW_S * 1000) throw invalid;
  const expected = await memberTokenFor(program.tokenSecret, program.id, memberId, expMs);
  if (!timingSafeEqual(expected, token)) throw invalid;
  return memberId;
}
