-- Trust and fraud: purpose-separated keys, identity-secret rotation, member suspension, email aliases,
-- codes unique per program, the fraud engine's reviews, rewards held for review or for qualification,
-- clawbacks, and an audit log. Times are unix milliseconds.

PRAGMA defer_foreign_keys = on;

-- Programs --------------------------------------------------------------------------------------------
-- token_secret never leaves the server: member tokens, click ids and visitor hashes use keys derived from
-- it, so nothing the host signs with the identity secret can ever be a valid token, and rotating the
-- identity secret does not sign every member out.
ALTER TABLE programs ADD COLUMN token_secret TEXT NOT NULL DEFAULT '';
UPDATE programs SET token_secret = lower(hex(randomblob(32))) WHERE token_secret = '';
-- During a rotation's grace period the previous identity secret still verifies signatures and JWTs.
ALTER TABLE programs ADD COLUMN previous_identity_secret TEXT;
ALTER TABLE programs ADD COLUMN previous_identity_secret_until INTEGER;
-- 1: HMAC identity signatures must carry a signed timestamp (see README, "Security").
ALTER TABLE programs ADD COLUMN require_signature_timestamp INTEGER NOT NULL DEFAULT 0;
-- JSON: the fraud rules' actions and thresholds; '{}' means the documented defaults.
ALTER TABLE programs ADD COLUMN fraud_rules TEXT NOT NULL DEFAULT '{}';

-- Members: codes unique per program (was: across the instance), suspension, verified email ------------
CREATE TABLE members_v4 (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs(id),
  external_id TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER NOT NULL DEFAULT 0,        -- 1: from a signed source (JWT claim or the secret-key API)
  name TEXT,
  company TEXT,
  profile_verified INTEGER NOT NULL DEFAULT 0,      -- 1: name/company came from a signed source
  code TEXT NOT NULL,                               -- canonical upper case; unique within the program
  suspended_at INTEGER,
  suspended_reason TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (program_id, external_id),
  UNIQUE (program_id, code)
);
INSERT INTO members_v4 (id, program_id, external_id, email, name, company, code, created_at)
  SELECT id, program_id, external_id, email, name, company, code, created_at FROM members;
DROP TABLE members;
ALTER TABLE members_v4 RENAME TO members;
CREATE INDEX members_program_time ON members(program_id, created_at);

-- Every email a member has been seen with (signed or not), normalised: a friend can never be one of them.
CREATE TABLE member_emails (
  member_id TEXT NOT NULL,
  email_key TEXT NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member_id, email_key)
);
INSERT INTO member_emails (member_id, email_key, verified, created_at)
  SELECT id, lower(email), 0, created_at FROM members WHERE email IS NOT NULL;

-- The member's own daily visitor hashes (seen when the widget enrols them), so the fraud engine can tell
-- when a "friend" is the member on the same device and network the same day. Kept for two days.
CREATE TABLE member_visitors (
  member_id TEXT NOT NULL,
  visitor_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member_id, visitor_hash)
);
CREATE INDEX member_visitors_time ON member_visitors(created_at);

-- Referrals: one referral per person, whatever the spelling of their address ------------------------------
-- friend_email_key: lower case, no +tag, Gmail dots removed (src/lib/email.ts). Existing rows get the same
-- normalisation here; where two rows collide, the oldest keeps the key.
ALTER TABLE referrals ADD COLUMN friend_email_key TEXT;
ALTER TABLE referrals ADD COLUMN visitor_hash TEXT;   -- the lead request's daily visitor hash
-- Set when an admin rejects the referral's fraud review: it no longer counts toward milestones, tiers or caps.
ALTER TABLE referrals ADD COLUMN rejected_at INTEGER;
UPDATE referrals SET friend_email_key = lower(friend_email);
UPDATE referrals
  SET friend_email_key = substr(friend_email_key, 1, instr(friend_email_key, '+') - 1)
    || substr(friend_email_key, instr(friend_email_key, '@'))
  WHERE instr(friend_email_key, '+') > 1 AND instr(friend_email_key, '+') < instr(friend_email_key, '@');
UPDATE referrals
  SET friend_email_key = replace(substr(friend_email_key, 1, instr(friend_email_key, '@') - 1), '.', '') || '@gmail.com'
  WHERE substr(friend_email_key, instr(friend_email_key, '@') + 1) IN ('gmail.com', 'googlemail.com');
UPDATE referrals SET friend_email_key = friend_email_key || '#' || id
  WHERE rowid NOT IN (SELECT MIN(rowid) FROM referrals GROUP BY program_id, friend_email_key);
CREATE UNIQUE INDEX referrals_email_key ON referrals(program_id, friend_email_key);
CREATE INDEX referrals_member_time ON referrals(member_id, created_at);
CREATE INDEX referrals_visitor ON referrals(program_id, visitor_hash, created_at) WHERE visitor_hash IS NOT NULL;

-- Rewards: held for review, waiting for qualification, clawbacks -------------------------------------------
-- State machine: pending (hold, qualification) → approved → paid; in_review (fraud flag) → pending or
-- voided by an admin's decision; pending/approved/in_review → voided. A paid reward is never edited: when
-- its customer is refunded, a negative clawback row (clawback_of) is added and nets the next payout.
CREATE TABLE rewards_v4 (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  recipient TEXT NOT NULL CHECK (recipient IN ('member', 'friend')),
  rule_id TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  dedupe_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,                          -- negative only for a clawback
  currency TEXT,
  description TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'paid', 'voided', 'in_review')),
  auto_approve INTEGER NOT NULL,
  while_active INTEGER NOT NULL DEFAULT 0,
  -- 1: a lead-stage reward that may not be approved until its referral is qualified (a lead is unverified).
  awaiting_qualification INTEGER NOT NULL DEFAULT 0,
  clawback_of TEXT,                                 -- the paid reward this negative entry takes back
  available_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  approved_at INTEGER,
  paid_at INTEGER,
  payout_id TEXT,
  voided_at INTEGER,
  void_reason TEXT
);
INSERT INTO rewards_v4 (id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version, dedupe_key,
    kind, amount, currency, description, state, auto_approve, while_active, available_at, created_at, approved_at,
    paid_at, payout_id, voided_at, void_reason)
  SELECT id, program_id, member_id, referral_id, event_id, recipient, rule_id, rule_version, dedupe_key, kind, amount,
    currency, description, state, auto_approve, while_active, available_at, created_at, approved_at, paid_at,
    payout_id, voided_at, void_reason FROM rewards;
DROP TABLE rewards;
ALTER TABLE rewards_v4 RENAME TO rewards;
CREATE UNIQUE INDEX rewards_dedupe ON rewards(program_id, dedupe_key) WHERE state != 'voided';
CREATE INDEX rewards_program_time ON rewards(program_id, created_at);
CREATE INDEX rewards_program_state ON rewards(program_id, state, available_at);
CREATE INDEX rewards_member ON rewards(member_id, state);
CREATE INDEX rewards_referral ON rewards(referral_id);
CREATE INDEX rewards_due ON rewards(available_at) WHERE state = 'pending';
CREATE INDEX rewards_approved ON rewards(program_id, approved_at, id) WHERE state = 'approved';

-- Fraud reviews ---------------------------------------------------------------------------------------------
-- open: the referral counts but its rewards wait in_review; approved / rejected: an admin decided;
-- blocked: a lead a rule refused (no referral was created), kept so the vendor sees what was stopped.
CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  referral_id TEXT,
  member_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'blocked')),
  reasons TEXT NOT NULL,                            -- JSON [{ rule, code, action, message, evidence }]
  friend_email TEXT,                                -- for blocked leads, which have no referral
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  decision_reason TEXT
);
CREATE UNIQUE INDEX reviews_open_referral ON reviews(referral_id) WHERE status = 'open';
CREATE INDEX reviews_program_status ON reviews(program_id, status, created_at);
CREATE INDEX reviews_referral ON reviews(referral_id);

-- Who did what, when and why: suspensions, review decisions, re-attributions, rotations. Append-only.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  referral_id TEXT,
  member_id TEXT,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,                              -- an API key id, "system" or "fraud-engine"
  reason TEXT,
  data TEXT,                                        -- JSON
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_program_time ON audit_log(program_id, created_at);
CREATE INDEX audit_log_referral ON audit_log(referral_id) WHERE referral_id IS NOT NULL;
CREATE INDEX audit_log_member ON audit_log(member_id) WHERE member_id IS NOT NULL;

-- Limits that must hold across racing requests: a batch upserts a guard row whose CHECK fails when the limit
-- is exceeded (e.g. a member's leads in the last day, counted after the batch's own insert), so the whole
-- batch rolls back. One row per guard; only its last verdict is kept.
CREATE TABLE guards (
  name TEXT PRIMARY KEY,
  ok INTEGER NOT NULL CHECK (ok = 1)
) WITHOUT ROWID;
