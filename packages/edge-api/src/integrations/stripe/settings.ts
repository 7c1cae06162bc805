import { newId } from "../../lib/ids";
import type { Statement } from "../../lib/sql";

/** Stripe's endpoint signing secrets: `whsec_` and a token. */
export const STRIPE_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/=_-]{16,200}$/;

/**
 * Saving (or replacing) the program's Stripe signing secret, as statements the API runs through D1 and
 * `pnpm vouch set-stripe` through wrangler.
 */
export function stripeSecretStatements(
  programId: string,
  secret: string,
  actor: string,
  now = Date.now(),
): Statement[] {
  return [
    {
      sql: `INSERT INTO integrations (program_id, provider, webhook_secret, created_at, updated_at) VALUES (?, 'stripe', ?, ?, ?)
            ON CONFLICT (program_id, provider) DO UPDATE SET webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at`,
      params: [programId, secret, now, now],
    },
    {
      sql: `INSERT INTO audit_log (id, program_id, action, actor, created_at) VALUES (?, ?, 'integration.stripe.saved', ?, ?)`,
      params: [newId("aud"), programId, actor, now],
    },
  ];
}
