import { randomToken } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { Statement } from "../lib/sql";

/**
 * A new identity secret, as statements the API runs through D1 and `pnpm vouch` through wrangler. The
 * current secret becomes the previous one, verifying signatures and JWTs for `graceHours` more (0 ends it
 * now); a second rotation inside the grace period ends the oldest at once, so at most two are ever live.
 */
export function identitySecretRotation(
  programId: string,
  graceHours: number,
  actor: string,
  now = Date.now(),
): { secret: string; previousValidUntil: number | null; statements: Statement[] } {
  const secret = `vch_is_${randomToken(24)}`;
  const until = graceHours > 0 ? now + graceHours * 3_600_000 : null;
  return {
    secret,
    previousValidUntil: until,
    statements: [
      {
        // SET expressions read the row as it was, so the old secret moves to `previous` in the same statement.
        sql: `UPDATE programs SET previous_identity_secret = CASE WHEN ? > 0 THEN identity_secret END,
                previous_identity_secret_until = ?, identity_secret = ? WHERE id = ?`,
        params: [graceHours, until, secret, programId],
      },
      {
        sql: `INSERT INTO audit_log (id, program_id, action, actor, data, created_at)
              VALUES (?, ?, 'identity_secret.rotated', ?, ?, ?)`,
        params: [newId("aud"), programId, actor, JSON.stringify({ grace_hours: graceHours }), now],
      },
    ],
  };
}
