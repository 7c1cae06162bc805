-- Member emails, part two (src/emails): three more kinds (a friend signed up, a reward was paid, the monthly
-- summary), each optional per program, and each member's own preferences (the portal's form).

-- Which kinds a program sends (no row: every kind is on).
ALTER TABLE email_settings ADD COLUMN friend_signed_up INTEGER NOT NULL DEFAULT 1;
ALTER TABLE email_settings ADD COLUMN reward_paid INTEGER NOT NULL DEFAULT 1;
ALTER TABLE email_settings ADD COLUMN monthly_summary INTEGER NOT NULL DEFAULT 1;

-- Kinds a member turned off in the portal (`POST /p/<slug>/me/emails`). Turning everything off is a row in
-- email_unsubscribes, as the one-click unsubscribe writes; the consumer skips both.
CREATE TABLE email_opt_outs (
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  program_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member_id, kind)
);

-- The outbox again, for its kind CHECK (SQLite cannot alter a CHECK): same columns, rows and indexes. The
-- triggers that write it are dropped first (renaming a table under a trigger that names a missing table fails)
-- and created again below, unchanged.
DROP TRIGGER emails_member_created;
DROP TRIGGER emails_referral_events;
DROP TRIGGER emails_reward_created;
DROP TRIGGER emails_reward_state;

CREATE TABLE email_outbox_next (
  id TEXT PRIMARY KEY,                              -- eml_…
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('welcome', 'friend_signed_up', 'friend_converted', 'reward_approved',
    'reward_paid', 'monthly_summary')),
  cause_id TEXT NOT NULL,                           -- the member, referral or reward that caused it; the month (YYYY-MM) of a summary
  dedupe_key TEXT NOT NULL UNIQUE,                  -- <kind>:<cause id>, monthly_summary:<member>:<YYYY-MM>: one email per cause, ever
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  leased_until INTEGER,                             -- on the queue until then (the cron re-queues it after)
  provider TEXT,
  provider_id TEXT,                                 -- the provider's message id
  last_status INTEGER,
  last_error TEXT,
  sent_at INTEGER,
  created_at INTEGER NOT NULL
);
INSERT INTO email_outbox_next SELECT id, program_id, member_id, kind, cause_id, dedupe_key, state, attempts,
  next_attempt_at, leased_until, provider, provider_id, last_status, last_error, sent_at, created_at FROM email_outbox;
DROP TABLE email_outbox;
ALTER TABLE email_outbox_next RENAME TO email_outbox;
CREATE INDEX email_outbox_due ON email_outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_outbox_member ON email_outbox(member_id, created_at);
CREATE INDEX email_outbox_program ON email_outbox(program_id, created_at);

-- As in 0011.
CREATE TRIGGER emails_member_created AFTER INSERT ON members
WHEN NEW.email IS NOT NULL AND NEW.email <> ''
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.welcome = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.id, 'welcome', NEW.id, 'welcome:' || NEW.id,
    NEW.created_at, NEW.created_at
  WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'welcome:' || NEW.id);
END;

CREATE TRIGGER emails_referral_events AFTER INSERT ON events
WHEN NEW.to_status = 'converted'
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.friend_converted = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, r.member_id, 'friend_converted', NEW.referral_id,
    'friend_converted:' || NEW.referral_id, NEW.created_at, NEW.created_at
  FROM referrals r JOIN members m ON m.id = r.member_id
  WHERE r.id = NEW.referral_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'friend_converted:' || NEW.referral_id);
END;

CREATE TRIGGER emails_reward_created AFTER INSERT ON rewards
WHEN NEW.state = 'approved' AND NEW.recipient = 'member' AND NEW.clawback_of IS NULL AND NEW.amount > 0
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.reward_approved = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.member_id, 'reward_approved', NEW.id,
    'reward_approved:' || NEW.id, COALESCE(NEW.approved_at, NEW.created_at), COALESCE(NEW.approved_at, NEW.created_at)
  FROM members m
  WHERE m.id = NEW.member_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'reward_approved:' || NEW.id);
END;

CREATE TRIGGER emails_reward_state AFTER UPDATE OF state ON rewards
WHEN NEW.state = 'approved' AND OLD.state <> 'approved' AND NEW.recipient = 'member' AND NEW.clawback_of IS NULL
  AND NEW.amount > 0
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.reward_approved = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.member_id, 'reward_approved', NEW.id,
    'reward_approved:' || NEW.id, COALESCE(NEW.approved_at, NEW.created_at), COALESCE(NEW.approved_at, NEW.created_at)
  FROM members m
  WHERE m.id = NEW.member_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'reward_approved:' || NEW.id);
END;

-- A referral created for a member tells the member, once per referral. One created already converted (a
-- conversion with no lead before it) is told by friend_converted alone, and one the fraud rules rejected on
-- arrival is not told at all.
CREATE TRIGGER emails_referral_created AFTER INSERT ON referrals
WHEN NEW.status IN ('lead', 'qualified') AND NEW.rejected_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.friend_signed_up = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.member_id, 'friend_signed_up', NEW.id,
    'friend_signed_up:' || NEW.id, NEW.created_at, NEW.created_at
  FROM members m
  WHERE m.id = NEW.member_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'friend_signed_up:' || NEW.id);
END;

-- A member's reward that becomes paid (the payout run, or an admin marking it paid), not a clawback.
CREATE TRIGGER emails_reward_paid AFTER UPDATE OF state ON rewards
WHEN NEW.state = 'paid' AND OLD.state <> 'paid' AND NEW.recipient = 'member' AND NEW.clawback_of IS NULL
  AND NEW.amount > 0
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.reward_paid = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.member_id, 'reward_paid', NEW.id,
    'reward_paid:' || NEW.id, COALESCE(NEW.paid_at, NEW.created_at), COALESCE(NEW.paid_at, NEW.created_at)
  FROM members m
  WHERE m.id = NEW.member_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'reward_paid:' || NEW.id);
END;
