-- Rewards engine: versioned rules, the reward ledger, payouts and the raffle.
-- Money is integer minor units plus an ISO 4217 currency. Times are unix milliseconds.

-- Every change to a program's rules is a new row; rewards keep the version they were earned under.
CREATE TABLE reward_rules (
  program_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  config TEXT NOT NULL,                             -- JSON: rules, approval, stacking_discount, raffle
  created_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, version)
);

-- The ledger. Rows are never deleted and their amount never changes; state only moves forward:
-- pending (hold) → approved → paid, or pending/approved → voided.
CREATE TABLE rewards (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,                          -- the advocate whose referral earned it
  referral_id TEXT NOT NULL,
  event_id TEXT NOT NULL,                           -- the status event that earned it
  recipient TEXT NOT NULL CHECK (recipient IN ('member', 'friend')),
  rule_id TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  dedupe_key TEXT NOT NULL,                         -- what was paid for: rule + referral + stage/occurrence
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,                          -- minor units; months for free_months; points for discount_percent
  currency TEXT,
  description TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'paid', 'voided')),
  auto_approve INTEGER NOT NULL,
  while_active INTEGER NOT NULL DEFAULT 0,          -- voided when the referred customer churns, even after the hold
  available_at INTEGER NOT NULL,                    -- end of the hold period
  created_at INTEGER NOT NULL,
  approved_at INTEGER,
  paid_at INTEGER,
  payout_id TEXT,
  voided_at INTEGER,
  void_reason TEXT
);
-- The same thing is never paid twice; a voided row frees its key so the thing can be earned again.
CREATE UNIQUE INDEX rewards_dedupe ON rewards(program_id, dedupe_key) WHERE state != 'voided';
CREATE INDEX rewards_program_time ON rewards(program_id, created_at);
CREATE INDEX rewards_program_state ON rewards(program_id, state, available_at);
CREATE INDEX rewards_member ON rewards(member_id, state);
CREATE INDEX rewards_referral ON rewards(referral_id);
CREATE INDEX rewards_due ON rewards(available_at) WHERE state = 'pending';

-- One row per status event whose rewards depend on the member's other referrals (milestones, tiers,
-- caps). Two requests that read the same member state both try to write the same tick; the loser's
-- whole batch rolls back and is planned again with fresh counts.
CREATE TABLE member_reward_ticks (
  member_id TEXT NOT NULL,
  tick INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member_id, tick)
);

CREATE TABLE payouts (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  reference TEXT NOT NULL,                          -- the vendor's own payout or batch reference
  reward_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX payouts_program_time ON payouts(program_id, created_at);

CREATE TABLE raffle_entries (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  event_id TEXT NOT NULL UNIQUE,
  month TEXT NOT NULL,                              -- YYYY-MM (UTC) of the event
  entries INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX raffle_entries_month ON raffle_entries(program_id, month, member_id);
CREATE INDEX raffle_entries_member ON raffle_entries(member_id, month);

-- A draw keeps its seed and the exact entrant list, so anyone can re-run it and get the same winner.
CREATE TABLE raffle_draws (
  program_id TEXT NOT NULL,
  month TEXT NOT NULL,
  seed TEXT NOT NULL,
  entrants TEXT NOT NULL,                           -- JSON [{ member_id, entries }] sorted by member_id
  total_entries INTEGER NOT NULL,
  ticket INTEGER NOT NULL,
  winner_member_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, month)
);
