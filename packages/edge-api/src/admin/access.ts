import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { ApiError } from "../lib/errors";
import type { AdminRow } from "./service";

/**
 * Cloudflare Access, for teams that already put their tools behind it: when the deployment names its Access team
 * (`ACCESS_TEAM_DOMAIN`, e.g. `acme.cloudflareaccess.com`) and the application's audience tag (`ACCESS_AUD`), the
 * JWT Access adds to every request (`Cf-Access-Jwt-Assertion`) can be exchanged for a dashboard session
 * (`POST /v1/admin/session/access`). It is verified as Cloudflare documents: RS256 against the team's published
 * keys (`/cdn-cgi/access/certs`, cached by jose), the team as issuer, the application's audience, not expired.
 * Its `email` must be an admin's: Access says who the person is, Vouch still says what they may do.
 */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

export interface AccessConfig {
  issuer: string;
  audience: string;
}

export function accessConfig(env: { ACCESS_TEAM_DOMAIN?: string; ACCESS_AUD?: string }): AccessConfig | null {
  const team = env.ACCESS_TEAM_DOMAIN?.trim();
  const audience = env.ACCESS_AUD?.trim();
  if (!team || !audience) return null;
  const issuer = (/^https?:\/\//.test(team) ? team : `https://${team}`).replace(/\/$/, "");
  return { issuer, audience };
}

/** The verified email of an Access JWT. */
export async function accessEmail(config: AccessConfig, token: string): Promise<string> {
  let keys = keySets.get(config.issuer);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${config.issuer}/cdn-cgi/access/certs`));
    keySets.set(config.issuer, keys);
  }
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ["RS256"],
    });
    if (typeof payload.email !== "string" || !payload.email) throw new Error("no email claim");
    return payload.email.toLowerCase();
  } catch (err) {
    const why =
      err instanceof joseErrors.JWTExpired
        ? "it has expired"
        : err instanceof joseErrors.JWTClaimValidationFailed
          ? `its ${err.claim} is not this application's`
          : "it does not verify against the team's keys";
    throw new ApiError("invalid_credentials", `The Cloudflare Access token was refused: ${why}.`);
  }
}

export async function adminByEmail(db: D1Database, email: string): Promise<AdminRow> {
  const admin = await db.prepare("SELECT * FROM admins WHERE email = ?").bind(email).first<AdminRow>();
  if (!admin) {
    throw new ApiError("invalid_credentials", `${email} signed in with Cloudflare Access but is not a Vouch admin.`);
  }
  return admin;
}
