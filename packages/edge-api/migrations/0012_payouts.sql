-- Payouts that pay (src/payouts). A payout run selects approved rewards, reserves them (rewards.payout_id set while
-- the reward stays `approved`), and creates one payout per member and currency, sent through the member's chosen
-- method by the PAYOUTS queue. A reward becomes `paid` only when the provider confirms its payout; a payout that
-- fails for good releases its rewards (payout_id back to NULL) for the next run. The manual flow (CSV export, then
-- POST /v1/rewards/pay) is unchanged and writes `payouts` rows with method 'manual' and state 'paid'.

-- What a program offers and its limits. No row: manual only, no minimum, no yearly limit.
CREATE TABLE payout_settings (
  program_id TEXT PRIMARY KEY REFERENCES programs(id),
  methods TEXT NOT NULL DEFAULT '["manual"]',       -- JSON array: the methods members may choose
  minimum_amounts TEXT NOT NULL DEFAULT '{}',       -- JSON {"USD": 5000}: below it a member's rewards wait
  yearly_limits TEXT NOT NULL DEFAULT '{}',         -- JSON {"USD": 60000}: paid per member per calendar year (UTC)
  tremendous_products TEXT NOT NULL DEFAULT '[]',   -- JSON array of Tremendous product ids the member chooses from
  tremendous_campaign_id TEXT,
  updated_at INTEGER NOT NULL
);

-- How a member wants to be paid (chosen in the portal, or set by the vendor's server).
CREATE TABLE member_payout_methods (
  member_id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('paypal', 'tremendous', 'wise', 'account_credit', 'manual')),
  details TEXT NOT NULL DEFAULT '{}',               -- JSON: {"email": "…"} for paypal, tremendous and wise
  updated_at INTEGER NOT NULL
);

CREATE TABLE payout_runs (
  id TEXT PRIMARY KEY,                              -- run_…
  program_id TEXT NOT NULL,
  filters TEXT NOT NULL,                            -- JSON: what the run selected by
  payout_count INTEGER NOT NULL,
  created_by TEXT,                                  -- the admin, or NULL for a secret key
  created_at INTEGER NOT NULL
);
CREATE INDEX payout_runs_program_time ON payout_runs(program_id, created_at);

-- A payout is now one member's money in one currency through one method, with the provider's own id and state.
-- queued → sending (claimed by the consumer) → processing (the provider took it) → paid | failed;
-- sending goes back to queued when a send is retried (the provider's idempotency field makes a resend safe).
ALTER TABLE payouts ADD COLUMN run_id TEXT;
ALTER TABLE payouts ADD COLUMN member_id TEXT;
ALTER TABLE payouts ADD COLUMN method TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE payouts ADD COLUMN currency TEXT;
ALTER TABLE payouts ADD COLUMN amount INTEGER;                 -- minor units, the sum of its rewards (net of clawbacks)
ALTER TABLE payouts ADD COLUMN state TEXT NOT NULL DEFAULT 'paid';
ALTER TABLE payouts ADD COLUMN recipient TEXT;                 -- JSON: where it was sent (the method's details then)
ALTER TABLE payouts ADD COLUMN provider_id TEXT;               -- PayPal payout_batch_id, Tremendous order id, Wise transfer id
ALTER TABLE payouts ADD COLUMN provider_status TEXT;           -- the provider's own word for it
ALTER TABLE payouts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payouts ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE payouts ADD COLUMN leased_until INTEGER;
ALTER TABLE payouts ADD COLUMN failure_code TEXT;              -- insufficient_funds, invalid_recipient, …
ALTER TABLE payouts ADD COLUMN last_error TEXT;
ALTER TABLE payouts ADD COLUMN updated_at INTEGER;
ALTER TABLE payouts ADD COLUMN paid_at INTEGER;
CREATE INDEX payouts_due ON payouts(next_attempt_at) WHERE state IN ('queued', 'sending', 'processing');
CREATE INDEX payouts_member ON payouts(member_id, created_at);
CREATE INDEX payouts_run ON payouts(run_id);
CREATE INDEX rewards_payout ON rewards(payout_id) WHERE payout_id IS NOT NULL;
