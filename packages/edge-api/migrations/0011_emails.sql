-- Member emails (src/emails). The outbox: triggers write one email row per member × kind × cause in the same
-- transaction as the change that causes it, so a change and its email land together or not at all, and the
-- UNIQUE dedupe key means a retried or repeated change never writes a second one. The EMAILS queue's consumer
-- (and the every-minute cron, for rows on no queue) sends them through the deployment's provider.

-- Which kinds a program sends. No row: every kind is on.
CREATE TABLE email_settings (
  program_id TEXT PRIMARY KEY REFERENCES programs(id),
  welcome INTEGER NOT NULL DEFAULT 1,
  friend_converted INTEGER NOT NULL DEFAULT 1,
  reward_approved INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL
);

-- Members who unsubscribed (POST /u/<token>, RFC 8058 one-click). The consumer sends them nothing more.
CREATE TABLE email_unsubscribes (
  member_id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE email_outbox (
  id TEXT PRIMARY KEY,                              -- eml_…
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('welcome', 'friend_converted', 'reward_approved')),
  cause_id TEXT NOT NULL,                           -- the member, referral or reward that caused it
  dedupe_key TEXT NOT NULL UNIQUE,                  -- <kind>:<cause id>: one email per cause, ever
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
CREATE INDEX email_outbox_due ON email_outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_outbox_member ON email_outbox(member_id, created_at);
CREATE INDEX email_outbox_program ON email_outbox(program_id, created_at);

-- What the `local` provider "sent": shown at GET /dev/mail outside production.
CREATE TABLE email_local_messages (
  id TEXT PRIMARY KEY,
  outbox_id TEXT NOT NULL,
  program_id TEXT NOT NULL,
  to_address TEXT NOT NULL,
  from_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  headers TEXT NOT NULL,                            -- JSON object
  created_at INTEGER NOT NULL
);
CREATE INDEX email_local_messages_time ON email_local_messages(created_at);

-- A member created with an address is welcomed.
CREATE TRIGGER emails_member_created AFTER INSERT ON members
WHEN NEW.email IS NOT NULL AND NEW.email <> ''
  AND NOT EXISTS (SELECT 1 FROM email_settings s WHERE s.program_id = NEW.program_id AND s.welcome = 0)
BEGIN
  INSERT OR IGNORE INTO email_outbox (id, program_id, member_id, kind, cause_id, dedupe_key, next_attempt_at, created_at)
  SELECT 'eml_' || lower(hex(randomblob(12))), NEW.program_id, NEW.id, 'welcome', NEW.id, 'welcome:' || NEW.id,
    NEW.created_at, NEW.created_at
  WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = 'welcome:' || NEW.id);
END;

-- A referral reaching converted tells its member, once per referral (a renewal or a second conversion is the
-- same cause).
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

-- A member's reward that is approved (written approved, or becoming so), not a clawback.
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
