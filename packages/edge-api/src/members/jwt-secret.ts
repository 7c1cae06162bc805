import { sha256Hex } from "../lib/crypto";

/**
 * JWTs are verified with their own secret, derived from the identity secret by a plain hash. If both used
 * the identity secret, a host that signs user-chosen ids would sign a string shaped like `header.payload`
 * for an attacker, which is a valid JWT for any `sub`. An HMAC of an id never reveals this hash.
 */
export async function jwtSecretFor(identitySecret: string): Promise<string> {
  return `vch_js_${(await sha256Hex(`vouch-jwt-secret:v1:${identitySecret}`)).slice(0, 48)}`;
}
