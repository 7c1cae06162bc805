-- Member emails, part three: the invitation a moment of value sends (src/moments). A moment from the host's
-- server (`POST /v1/members/{id}/moments`) whose setting says `email: true` writes a `moment_invite` email in
-- the statement that records the moment, once per moment row (and so at most once per member, moment and
-- cooldown). A moment from the browser shows its nudge right then and sends no email.

-- Which moments asked for an email: set by the API from the program's moment settings when the row is written.
ALTER TABLE member_moments ADD COLUMN invite_email INTEGER NOT NULL DEFAULT 0;

-- The program can turn the kind off like any other (no row: on).
ALTER TABLE email_settings ADD COLUMN moment_invite INTEGER NOT NULL DEFAULT 1;

-- The outbox again, for its kind CHECK (SQLite cannot alter a CHECK), as 0013 did: same columns, rows and
-- indexes; the triggers that write it are dropped first and created again below, unchanged.
DROP TRIGGER emails_member_created;
DROP TRIGGER emails_referral_events;
DROP TRIGGER emails_reward_created;
DROP TRIGGER emails_reward_state;
DROP TRIGGER emails_referral_created;
DROP TRIGGER emails_reward_paid;

CREATE TABLE email_outbox_next (
  id TEXT PRIMARY KEY,                              -- eml_…
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('welcome', 'friend_signed_up', 'friend_converted', 'reward_approved',
    'reward_paid', 'monthly_summary', 'moment_invite')),
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

-- As in 0013, unchanged.
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

CREATE TRIGGER emails_moment_invite AFTER INSERT ON member_moments
WHEN NEW.invite_email = 1
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.moment_invite = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.member_id, 'moment_invite', NEW.id,
    'moment_invite:' || NEW.id, NEW.created_at, NEW.created_at
  FROM members m
  WHERE m.id = NEW.member_id AND m.email IS NOT NULL AND m.email <> ''
    AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'moment_invite:' || NEW.id);
END;
