-- Vouch core schema. Never edit a landed migration: add a new numbered file.
-- Money is integer minor units plus an ISO 4217 currency. Times are unix milliseconds.

CREATE TABLE programs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  landing_url TEXT NOT NULL,
  program_page_url TEXT,
  allowed_origins TEXT NOT NULL DEFAULT '[]',      -- JSON array of origins
  identity_secret TEXT NOT NULL,
  test_mode INTEGER NOT NULL DEFAULT 0,
  attribution_model TEXT NOT NULL DEFAULT 'first' CHECK (attribution_model IN ('first', 'last')),
  attribution_window_days INTEGER NOT NULL DEFAULT 90,
  param_names TEXT NOT NULL DEFAULT '["via","ref"]', -- JSON array
  block_same_domain INTEGER NOT NULL DEFAULT 1,
  offer_text TEXT NOT NULL DEFAULT '',
  brand_color TEXT NOT NULL DEFAULT '#4f46e5',
  message_template TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs(id),
  type TEXT NOT NULL CHECK (type IN ('publishable', 'secret')),
  key_hash TEXT NOT NULL UNIQUE,                    -- SHA-256 hex of the whole key
  key_prefix TEXT NOT NULL,                         -- first characters, for display only
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_program ON api_keys(program_id);

CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs(id),
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (program_id, slug)
);

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs(id),
  external_id TEXT NOT NULL,
  email TEXT,
  name TEXT,
  company TEXT,
  code TEXT NOT NULL UNIQUE,                        -- canonical upper case; unique across the instance so /r/:code is unambiguous
  created_at INTEGER NOT NULL,
  UNIQUE (program_id, external_id)
);

CREATE TABLE visits (
  id TEXT PRIMARY KEY,                              -- the click id
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  code TEXT NOT NULL,
  campaign TEXT,
  sub_source TEXT,
  landing_url TEXT,
  referrer TEXT,
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  country TEXT,
  visitor_hash TEXT NOT NULL,                       -- daily-rotating hash of ip + user agent; no raw ip stored
  created_at INTEGER NOT NULL
);
CREATE INDEX visits_program_time ON visits(program_id, created_at);
CREATE INDEX visits_member ON visits(member_id);

CREATE TABLE shares (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX shares_program_time ON shares(program_id, created_at);
CREATE INDEX shares_member ON shares(member_id);

CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  click_id TEXT,
  campaign TEXT,
  source TEXT NOT NULL,                             -- form | peer | conversion
  friend_email TEXT NOT NULL,                       -- lower case
  friend_name TEXT,
  friend_company TEXT,
  friend_role TEXT,
  friend_company_size TEXT,
  external_customer_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('lead', 'qualified', 'converted', 'renewed', 'lost', 'refunded')),
  version INTEGER NOT NULL DEFAULT 1,               -- seq of the latest event; guards concurrent transitions
  plan TEXT,
  value_cents INTEGER,
  currency TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (program_id, friend_email)
);
CREATE INDEX referrals_program_time ON referrals(program_id, created_at);
CREATE INDEX referrals_member ON referrals(member_id);
CREATE UNIQUE INDEX referrals_customer ON referrals(program_id, external_customer_id) WHERE external_customer_id IS NOT NULL;

-- Append-only status history. (referral_id, seq) is unique, so two racing transitions from the same
-- state cannot both land: the loser's whole batch (event, status, rewards) rolls back.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  value_cents INTEGER,
  currency TEXT,
  plan TEXT,
  reason TEXT,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (referral_id, seq)
);
CREATE INDEX events_program_time ON events(program_id, created_at);

-- Stored results of secret-key writes sent with an Idempotency-Key; a replay returns the first result.
CREATE TABLE idempotency_keys (
  program_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, key)
);
