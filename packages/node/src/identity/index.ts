import { SignJWT } from "jose";
import { hmacSha256Hex, sha256Hex } from "../runtime/hash";

/** The signed-in user of your product, as the widget enrols them. */
export interface VouchUser {
  /** Your own id for the user (the member's external id); the signature covers this alone. */
  id: string;
  email?: string;
  name?: string;
  company?: string;
  /**
   * What you know about the user, for the program's eligibility rules: `plan`, `paying`, `customer_since`
   * (YYYY-MM-DD), `seats`, `nps` (0–10) or your own lower-case names. Signed with the id (a JWT claim).
   */
  attributes?: Record<string, string | number | boolean>;
}

export interface SignedIdentity {
  /** The user's fields for `vouch('init', { member, signature })`. */
  member: VouchUser;
  /** Hex HMAC-SHA256, as `POST /v1/members/me` verifies it. */
  signature: string;
  /** Unix seconds, when the signature covers a timestamp (it then stops working after 24 hours). */
  timestamp?: number;
}

export interface SignIdentityOptions {
  /** The program's identity secret, `vch_is_…` (server only). */
  identitySecret: string;
  /**
   * Sign a timestamp too (unix seconds, or `true` for now), so a leaked signature expires after 24 hours.
   * The API then needs the same `timestamp` with the signature: send it when you call `POST /v1/members/me`
   * yourself. The widget's `init` does not pass one on yet; use `identityToken` for expiring identities there.
   */
  timestamp?: number | true;
}

/**
 * Signs your user for One Click enrolment: hex HMAC-SHA256 of the user's id with the identity secret, or
 * with a timestamp, HMAC-SHA256 of `<timestamp>.<id>` with a key derived for that purpose
 * (`hex(SHA-256("vouch:signed-identity:v1:" + identitySecret))`: a hash, not an HMAC keyed with the secret, which
 * a host signing user-chosen ids would hand out), so a plain signature can never be one with a timestamp.
 */
export async function signIdentity(user: VouchUser, options: SignIdentityOptions): Promise<SignedIdentity> {
  const member = pickUser(user);
  if (member.attributes) {
    // The attributes are signed with the id (and the timestamp, if any) under their own derived key, over the JSON
    // array [timestamp or null, id, attributes with sorted keys], so the browser cannot change them.
    const timestamp = options.timestamp === true ? Math.floor(Date.now() / 1000) : options.timestamp;
    const key = await sha256Hex(`vouch:signed-attributes:v1:${options.identitySecret}`);
    const sorted = Object.fromEntries(
      Object.entries(member.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const message = `[${JSON.stringify(timestamp ?? null)},${JSON.stringify(member.id)},${JSON.stringify(sorted)}]`;
    const signature = await hmacSha256Hex(key, message);
    return timestamp === undefined ? { member, signature } : { member, signature, timestamp };
  }
  if (options.timestamp === undefined) {
    return { member, signature: await hmacSha256Hex(options.identitySecret, member.id) };
  }
  const timestamp = options.timestamp === true ? Math.floor(Date.now() / 1000) : options.timestamp;
  const key = await sha256Hex(`vouch:signed-identity:v1:${options.identitySecret}`);
  return { member, signature: await hmacSha256Hex(key, `${timestamp}.${member.id}`), timestamp };
}

/**
 * The program's JWT secret, derived from its identity secret (what `pnpm vouch create-program` prints as
 * `vch_js_…`): `vch_js_` + the first 48 hex characters of SHA-256(`vouch-jwt-secret:v1:<identity secret>`).
 * A different key from the identity secret, so nothing your server signs with one is valid for the other.
 */
export async function jwtSecretFor(identitySecret: string): Promise<string> {
  return `vch_js_${(await sha256Hex(`vouch-jwt-secret:v1:${identitySecret}`)).slice(0, 48)}`;
}

/** The API refuses identity tokens that live longer than this. */
export const MAX_TOKEN_LIFETIME_S = 24 * 3600;

export type IdentityTokenOptions = (
  | { /** The program's identity secret; the JWT secret is derived from it. */ identitySecret: string }
  | { /** The program's JWT secret, `vch_js_…`. */ jwtSecret: string }
) & {
  /** Seconds until the token expires: default 3600, at most 24 hours. */
  expiresIn?: number;
  /** The issue time (tests); default now. */
  now?: Date;
};

/**
 * A short-lived HS256 JWT for `vouch('init', { token })`: `sub` is the user's id; `email`, `name` and
 * `company` are signed claims, so unlike a plain signature they may change the member's profile.
 */
export async function identityToken(user: VouchUser, options: IdentityTokenOptions): Promise<string> {
  const expiresIn = options.expiresIn ?? 3600;
  if (!(expiresIn > 0 && expiresIn <= MAX_TOKEN_LIFETIME_S)) {
    throw new RangeError(`expiresIn must be between 1 and ${MAX_TOKEN_LIFETIME_S} seconds (24 hours).`);
  }
  const secret = "jwtSecret" in options ? options.jwtSecret : await jwtSecretFor(options.identitySecret);
  const { id, ...claims } = pickUser(user);
  const issuedAt = Math.floor((options.now?.getTime() ?? Date.now()) / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(id)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Only the fields the API knows, and only the ones that are set. */
function pickUser(user: VouchUser): VouchUser {
  if (typeof user?.id !== "string" || user.id.length === 0) throw new TypeError("user.id must be a non-empty string.");
  const member: VouchUser = { id: user.id };
  for (const field of ["email", "name", "company"] as const) {
    if (typeof user[field] === "string" && user[field]) member[field] = user[field];
  }
  if (user.attributes && typeof user.attributes === "object") member.attributes = { ...user.attributes };
  return member;
}
