-- Analytics at scale: one referral lifecycle stored on the referral, and daily rollups kept current by
-- triggers in the same transaction as every write (a cron re-folds recent days from the raw tables to make
-- them exact). Days are UTC days since 1970-01-01 (created_at / 86400000). See src/analytics/rollups.ts.

-- The lifecycle (src/referrals/lifecycle.ts): how far the referral has ever been along the funnel
-- (0 lead, 1 qualified, 2 converted, 3 renewed), when it first reached qualified and converted, and when
-- it ended (lost or refunded). Written by planTransitions with the status.
ALTER TABLE referrals ADD COLUMN reached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN qualified_at INTEGER;
ALTER TABLE referrals ADD COLUMN converted_at INTEGER;
ALTER TABLE referrals ADD COLUMN ended_at INTEGER;
UPDATE referrals SET
  reached = COALESCE((SELECT MAX(CASE e.to_status WHEN 'qualified' THEN 1 WHEN 'converted' THEN 2 WHEN 'renewed' THEN 3
    ELSE 0 END) FROM events e WHERE e.referral_id = referrals.id), 0),
  qualified_at = (SELECT MIN(e.created_at) FROM events e WHERE e.referral_id = referrals.id
    AND e.to_status IN ('qualified', 'converted', 'renewed')),
  converted_at = (SELECT MIN(e.created_at) FROM events e WHERE e.referral_id = referrals.id
    AND e.to_status IN ('converted', 'renewed')),
  ended_at = (SELECT MAX(e.created_at) FROM events e WHERE e.referral_id = referrals.id
    AND e.to_status IN ('lost', 'refunded'));
CREATE INDEX referrals_program_converted ON referrals(program_id, converted_at) WHERE converted_at IS NOT NULL;
CREATE INDEX visits_program_visitor ON visits(program_id, visitor_hash, created_at);
-- A lead can arrive before its visit is written (signed click ids): the visit fills in its campaign.
CREATE INDEX referrals_click ON referrals(click_id) WHERE click_id IS NOT NULL;

-- Per program × day × campaign × channel. `campaign` '' is "no campaign"; `channel` is a share's channel
-- and '' on every other row. Counts are by the day the thing happened: a lead by the day it came, a
-- conversion by the day the referral first converted (and taken back if it is later refunded or rejected).
CREATE TABLE daily_stats (
  program_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  campaign TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL DEFAULT '',
  visits INTEGER NOT NULL DEFAULT 0,
  uniques INTEGER NOT NULL DEFAULT 0,             -- distinct visitor hashes of this campaign that day
  shares INTEGER NOT NULL DEFAULT 0,
  leads INTEGER NOT NULL DEFAULT 0,
  qualified INTEGER NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  churned INTEGER NOT NULL DEFAULT 0,
  refunded INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, day, campaign, channel)
) WITHOUT ROWID;

-- Money by currency: payments by referred customers (converted and renewed events), the cost of money
-- rewards earned (by the day each was earned; voided ones taken back, clawbacks negative) and paid.
CREATE TABLE daily_money (
  program_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  campaign TEXT NOT NULL DEFAULT '',
  currency TEXT NOT NULL,
  revenue INTEGER NOT NULL DEFAULT 0,
  rewards_earned INTEGER NOT NULL DEFAULT 0,
  rewards_paid INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, day, campaign, currency)
) WITHOUT ROWID;

-- Program-wide per day: distinct visitors across campaigns, and members who joined.
CREATE TABLE daily_program (
  program_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  uniques INTEGER NOT NULL DEFAULT 0,
  members_joined INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, day)
) WITHOUT ROWID;

-- Members who shared or referred, one row per member and day, for participation over any range.
CREATE TABLE member_activity (
  program_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  PRIMARY KEY (program_id, day, member_id)
) WITHOUT ROWID;

-- Triggers ----------------------------------------------------------------------------------------------
-- A visitor hash is salted per UTC day; the day is checked too, so the count holds whatever the hashes.
CREATE TRIGGER visits_rollup AFTER INSERT ON visits BEGIN
  INSERT INTO daily_stats (program_id, day, campaign, channel, visits, uniques)
  VALUES (NEW.program_id, NEW.created_at / 86400000, COALESCE(NEW.campaign, ''), '', 1,
    NOT EXISTS (SELECT 1 FROM visits v WHERE v.program_id = NEW.program_id AND v.visitor_hash = NEW.visitor_hash
      AND v.created_at >= NEW.created_at / 86400000 * 86400000 AND v.created_at < (NEW.created_at / 86400000 + 1) * 86400000
      AND COALESCE(v.campaign, '') = COALESCE(NEW.campaign, '') AND v.id != NEW.id))
  ON CONFLICT DO UPDATE SET visits = visits + 1, uniques = uniques + excluded.uniques;
  INSERT INTO daily_program (program_id, day, uniques)
  VALUES (NEW.program_id, NEW.created_at / 86400000,
    NOT EXISTS (SELECT 1 FROM visits v WHERE v.program_id = NEW.program_id AND v.visitor_hash = NEW.visitor_hash
      AND v.created_at >= NEW.created_at / 86400000 * 86400000 AND v.created_at < (NEW.created_at / 86400000 + 1) * 86400000
      AND v.id != NEW.id))
  ON CONFLICT DO UPDATE SET uniques = uniques + excluded.uniques;
END;

CREATE TRIGGER shares_rollup AFTER INSERT ON shares BEGIN
  INSERT INTO daily_stats (program_id, day, campaign, channel, shares)
  VALUES (NEW.program_id, NEW.created_at / 86400000, '', NEW.channel, 1)
  ON CONFLICT DO UPDATE SET shares = shares + 1;
  INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
  VALUES (NEW.program_id, NEW.created_at / 86400000, NEW.member_id);
END;

CREATE TRIGGER members_rollup AFTER INSERT ON members BEGIN
  INSERT INTO daily_program (program_id, day, members_joined) VALUES (NEW.program_id, NEW.created_at / 86400000, 1)
  ON CONFLICT DO UPDATE SET members_joined = members_joined + 1;
END;

-- A referral's contributions (the lifecycle's definitions, as in src/referrals/lifecycle.ts): a lead on the
-- day it came; qualified on qualified_at's day; converted on converted_at's day unless refunded; churned and
-- refunded on ended_at's day; nothing at all once its review is rejected. An insert adds them; an update
-- takes the old row's away and adds the new row's, so any change (a refund, a rejection, a re-attribution
-- to another campaign) moves the counts to where they belong.
-- (D1 allows few terms in a compound SELECT, so each contribution is its own single-row upsert.)
CREATE TRIGGER referrals_rollup_insert AFTER INSERT ON referrals BEGIN
  INSERT INTO daily_stats (program_id, day, campaign, channel, leads)
  SELECT NEW.program_id, NEW.created_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL) WHERE true
  ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
  INSERT INTO daily_stats (program_id, day, campaign, channel, qualified)
  SELECT NEW.program_id, NEW.qualified_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.reached >= 1) WHERE NEW.qualified_at IS NOT NULL
  ON CONFLICT DO UPDATE SET qualified = qualified + excluded.qualified;
  INSERT INTO daily_stats (program_id, day, campaign, channel, conversions)
  SELECT NEW.program_id, NEW.converted_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.reached >= 2 AND NEW.status != 'refunded') WHERE NEW.converted_at IS NOT NULL
  ON CONFLICT DO UPDATE SET conversions = conversions + excluded.conversions;
  INSERT INTO daily_stats (program_id, day, campaign, channel, churned, refunded)
  SELECT NEW.program_id, NEW.ended_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.status = 'lost' AND NEW.reached >= 2), (NEW.rejected_at IS NULL AND NEW.status = 'refunded') WHERE NEW.ended_at IS NOT NULL
  ON CONFLICT DO UPDATE SET churned = churned + excluded.churned, refunded = refunded + excluded.refunded;
  INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
  VALUES (NEW.program_id, NEW.created_at / 86400000, NEW.member_id);
END;

CREATE TRIGGER referrals_rollup_update AFTER UPDATE OF status, reached, qualified_at, converted_at, ended_at,
  rejected_at, campaign ON referrals BEGIN
  INSERT INTO daily_stats (program_id, day, campaign, channel, leads)
  SELECT OLD.program_id, OLD.created_at / 86400000, COALESCE(OLD.campaign, ''), '', -(OLD.rejected_at IS NULL) WHERE true
  ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
  INSERT INTO daily_stats (program_id, day, campaign, channel, qualified)
  SELECT OLD.program_id, OLD.qualified_at / 86400000, COALESCE(OLD.campaign, ''), '', -(OLD.rejected_at IS NULL AND OLD.reached >= 1) WHERE OLD.qualified_at IS NOT NULL
  ON CONFLICT DO UPDATE SET qualified = qualified + excluded.qualified;
  INSERT INTO daily_stats (program_id, day, campaign, channel, conversions)
  SELECT OLD.program_id, OLD.converted_at / 86400000, COALESCE(OLD.campaign, ''), '', -(OLD.rejected_at IS NULL AND OLD.reached >= 2 AND OLD.status != 'refunded') WHERE OLD.converted_at IS NOT NULL
  ON CONFLICT DO UPDATE SET conversions = conversions + excluded.conversions;
  INSERT INTO daily_stats (program_id, day, campaign, channel, churned, refunded)
  SELECT OLD.program_id, OLD.ended_at / 86400000, COALESCE(OLD.campaign, ''), '', -(OLD.rejected_at IS NULL AND OLD.status = 'lost' AND OLD.reached >= 2), -(OLD.rejected_at IS NULL AND OLD.status = 'refunded') WHERE OLD.ended_at IS NOT NULL
  ON CONFLICT DO UPDATE SET churned = churned + excluded.churned, refunded = refunded + excluded.refunded;
  INSERT INTO daily_stats (program_id, day, campaign, channel, leads)
  SELECT NEW.program_id, NEW.created_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL) WHERE true
  ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
  INSERT INTO daily_stats (program_id, day, campaign, channel, qualified)
  SELECT NEW.program_id, NEW.qualified_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.reached >= 1) WHERE NEW.qualified_at IS NOT NULL
  ON CONFLICT DO UPDATE SET qualified = qualified + excluded.qualified;
  INSERT INTO daily_stats (program_id, day, campaign, channel, conversions)
  SELECT NEW.program_id, NEW.converted_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.reached >= 2 AND NEW.status != 'refunded') WHERE NEW.converted_at IS NOT NULL
  ON CONFLICT DO UPDATE SET conversions = conversions + excluded.conversions;
  INSERT INTO daily_stats (program_id, day, campaign, channel, churned, refunded)
  SELECT NEW.program_id, NEW.ended_at / 86400000, COALESCE(NEW.campaign, ''), '', (NEW.rejected_at IS NULL AND NEW.status = 'lost' AND NEW.reached >= 2), (NEW.rejected_at IS NULL AND NEW.status = 'refunded') WHERE NEW.ended_at IS NOT NULL
  ON CONFLICT DO UPDATE SET churned = churned + excluded.churned, refunded = refunded + excluded.refunded;
END;

-- Payments: a converted or renewed event with a value, on its day, in the referral's campaign.
CREATE TRIGGER events_rollup AFTER INSERT ON events
  WHEN NEW.to_status IN ('converted', 'renewed') AND NEW.value_cents IS NOT NULL AND NEW.currency IS NOT NULL
BEGIN
  INSERT INTO daily_money (program_id, day, campaign, currency, revenue)
  VALUES (NEW.program_id, NEW.created_at / 86400000,
    COALESCE((SELECT campaign FROM referrals WHERE id = NEW.referral_id), ''), NEW.currency, NEW.value_cents)
  ON CONFLICT DO UPDATE SET revenue = revenue + excluded.revenue;
END;

-- Money rewards: earned on the day they were earned (a void takes it back there), paid on the day paid.
CREATE TRIGGER rewards_rollup_insert AFTER INSERT ON rewards
  WHEN NEW.currency IS NOT NULL AND NEW.state != 'voided'
BEGIN
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned)
  VALUES (NEW.program_id, NEW.created_at / 86400000,
    COALESCE((SELECT campaign FROM referrals WHERE id = NEW.referral_id), ''), NEW.currency, NEW.amount)
  ON CONFLICT DO UPDATE SET rewards_earned = rewards_earned + excluded.rewards_earned;
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_paid)
  SELECT NEW.program_id, COALESCE(NEW.paid_at, NEW.created_at) / 86400000,
    COALESCE((SELECT campaign FROM referrals WHERE id = NEW.referral_id), ''), NEW.currency, NEW.amount
  WHERE NEW.state = 'paid'
  ON CONFLICT DO UPDATE SET rewards_paid = rewards_paid + excluded.rewards_paid;
END;

CREATE TRIGGER rewards_rollup_update AFTER UPDATE OF state ON rewards
  WHEN NEW.currency IS NOT NULL AND OLD.state != NEW.state AND (NEW.state IN ('voided', 'paid'))
BEGIN
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned, rewards_paid)
  VALUES (
    NEW.program_id,
    CASE NEW.state WHEN 'paid' THEN COALESCE(NEW.paid_at, NEW.created_at) ELSE NEW.created_at END / 86400000,
    COALESCE((SELECT campaign FROM referrals WHERE id = NEW.referral_id), ''), NEW.currency,
    CASE NEW.state WHEN 'voided' THEN -NEW.amount ELSE 0 END,
    CASE NEW.state WHEN 'paid' THEN NEW.amount ELSE 0 END)
  ON CONFLICT DO UPDATE SET rewards_earned = rewards_earned + excluded.rewards_earned,
    rewards_paid = rewards_paid + excluded.rewards_paid;
END;

-- A re-attribution can move a referral to another campaign: its payments and rewards move with it.
CREATE TRIGGER referrals_money_campaign AFTER UPDATE OF campaign ON referrals
  WHEN COALESCE(OLD.campaign, '') != COALESCE(NEW.campaign, '')
BEGIN
  INSERT INTO daily_money (program_id, day, campaign, currency, revenue)
  SELECT NEW.program_id, e.created_at / 86400000, COALESCE(OLD.campaign, ''), e.currency, -SUM(e.value_cents)
  FROM events e WHERE e.referral_id = NEW.id AND e.to_status IN ('converted', 'renewed') AND e.value_cents IS NOT NULL
    AND e.currency IS NOT NULL GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET revenue = revenue + excluded.revenue;
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned)
  SELECT NEW.program_id, w.created_at / 86400000, COALESCE(OLD.campaign, ''), w.currency, -SUM(w.amount)
  FROM rewards w WHERE w.referral_id = NEW.id AND w.currency IS NOT NULL AND w.state != 'voided' GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET rewards_earned = rewards_earned + excluded.rewards_earned;
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_paid)
  SELECT NEW.program_id, COALESCE(w.paid_at, w.created_at) / 86400000, COALESCE(OLD.campaign, ''), w.currency,
    -SUM(w.amount)
  FROM rewards w WHERE w.referral_id = NEW.id AND w.currency IS NOT NULL AND w.state = 'paid' GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET rewards_paid = rewards_paid + excluded.rewards_paid;
  INSERT INTO daily_money (program_id, day, campaign, currency, revenue)
  SELECT NEW.program_id, e.created_at / 86400000, COALESCE(NEW.campaign, ''), e.currency, SUM(e.value_cents)
  FROM events e WHERE e.referral_id = NEW.id AND e.to_status IN ('converted', 'renewed') AND e.value_cents IS NOT NULL
    AND e.currency IS NOT NULL GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET revenue = revenue + excluded.revenue;
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned)
  SELECT NEW.program_id, w.created_at / 86400000, COALESCE(NEW.campaign, ''), w.currency, SUM(w.amount)
  FROM rewards w WHERE w.referral_id = NEW.id AND w.currency IS NOT NULL AND w.state != 'voided' GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET rewards_earned = rewards_earned + excluded.rewards_earned;
  INSERT INTO daily_money (program_id, day, campaign, currency, rewards_paid)
  SELECT NEW.program_id, COALESCE(w.paid_at, w.created_at) / 86400000, COALESCE(NEW.campaign, ''), w.currency,
    SUM(w.amount)
  FROM rewards w WHERE w.referral_id = NEW.id AND w.currency IS NOT NULL AND w.state = 'paid' GROUP BY 2, 4
  ON CONFLICT DO UPDATE SET rewards_paid = rewards_paid + excluded.rewards_paid;
END;

-- Fold what already exists (a database migrated from before rollups): the statements of
-- src/analytics/rollups.ts refoldStatements(), over every day.
INSERT INTO daily_stats (program_id, day, campaign, channel, visits, uniques)
  SELECT program_id, created_at / 86400000, COALESCE(campaign, ''), '', COUNT(*), COUNT(DISTINCT visitor_hash)
  FROM visits WHERE created_at >= 0 AND created_at < 8640000000000000 GROUP BY 1, 2, 3;
INSERT INTO daily_stats (program_id, day, campaign, channel, shares)
  SELECT program_id, created_at / 86400000, '', channel, COUNT(*) FROM shares WHERE created_at >= 0 AND created_at < 8640000000000000
  GROUP BY 1, 2, 4 ON CONFLICT DO UPDATE SET shares = excluded.shares;
INSERT INTO daily_stats (program_id, day, campaign, channel, leads)
  SELECT program_id, created_at / 86400000, COALESCE(campaign, ''), '',
  SUM(rejected_at IS NULL)
  FROM referrals WHERE created_at >= 0 AND created_at < 8640000000000000 GROUP BY 1, 2, 3
  ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
INSERT INTO daily_stats (program_id, day, campaign, channel, qualified)
  SELECT program_id, qualified_at / 86400000, COALESCE(campaign, ''), '',
  SUM(rejected_at IS NULL AND reached >= 1)
  FROM referrals WHERE qualified_at >= 0 AND qualified_at < 8640000000000000 GROUP BY 1, 2, 3
  ON CONFLICT DO UPDATE SET qualified = qualified + excluded.qualified;
INSERT INTO daily_stats (program_id, day, campaign, channel, conversions)
  SELECT program_id, converted_at / 86400000, COALESCE(campaign, ''), '',
  SUM(rejected_at IS NULL AND reached >= 2 AND status != 'refunded')
  FROM referrals WHERE converted_at >= 0 AND converted_at < 8640000000000000 GROUP BY 1, 2, 3
  ON CONFLICT DO UPDATE SET conversions = conversions + excluded.conversions;
INSERT INTO daily_stats (program_id, day, campaign, channel, churned, refunded)
  SELECT program_id, ended_at / 86400000, COALESCE(campaign, ''), '',
  SUM(rejected_at IS NULL AND status = 'lost' AND reached >= 2), SUM(rejected_at IS NULL AND status = 'refunded')
  FROM referrals WHERE ended_at >= 0 AND ended_at < 8640000000000000 GROUP BY 1, 2, 3
  ON CONFLICT DO UPDATE SET churned = churned + excluded.churned, refunded = refunded + excluded.refunded;
INSERT INTO daily_money (program_id, day, campaign, currency, revenue)
  SELECT e.program_id, e.created_at / 86400000, COALESCE(r.campaign, ''), e.currency, SUM(e.value_cents)
  FROM events e JOIN referrals r ON r.id = e.referral_id
  WHERE e.created_at >= 0 AND e.created_at < 8640000000000000 AND e.to_status IN ('converted', 'renewed') AND e.value_cents IS NOT NULL
  AND e.currency IS NOT NULL
  GROUP BY 1, 2, 3, 4;
INSERT INTO daily_money (program_id, day, campaign, currency, rewards_earned)
  SELECT w.program_id, w.created_at / 86400000, COALESCE(r.campaign, ''), w.currency, SUM(w.amount)
  FROM rewards w JOIN referrals r ON r.id = w.referral_id
  WHERE w.created_at >= 0 AND w.created_at < 8640000000000000 AND w.currency IS NOT NULL AND w.state != 'voided'
  GROUP BY 1, 2, 3, 4
  ON CONFLICT DO UPDATE SET rewards_earned = excluded.rewards_earned;
INSERT INTO daily_money (program_id, day, campaign, currency, rewards_paid)
  SELECT w.program_id, w.paid_at / 86400000, COALESCE(r.campaign, ''), w.currency, SUM(w.amount)
  FROM rewards w JOIN referrals r ON r.id = w.referral_id
  WHERE w.paid_at >= 0 AND w.paid_at < 8640000000000000 AND w.currency IS NOT NULL AND w.state = 'paid'
  GROUP BY 1, 2, 3, 4
  ON CONFLICT DO UPDATE SET rewards_paid = excluded.rewards_paid;
INSERT INTO daily_program (program_id, day, uniques)
  SELECT program_id, created_at / 86400000, COUNT(DISTINCT visitor_hash) FROM visits WHERE created_at >= 0 AND created_at < 8640000000000000
  GROUP BY 1, 2;
INSERT INTO daily_program (program_id, day, members_joined)
  SELECT program_id, created_at / 86400000, COUNT(*) FROM members WHERE created_at >= 0 AND created_at < 8640000000000000 GROUP BY 1, 2
  ON CONFLICT DO UPDATE SET members_joined = excluded.members_joined;
INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
  SELECT program_id, created_at / 86400000, member_id FROM shares WHERE created_at >= 0 AND created_at < 8640000000000000;
INSERT OR IGNORE INTO member_activity (program_id, day, member_id)
  SELECT program_id, created_at / 86400000, member_id FROM referrals WHERE created_at >= 0 AND created_at < 8640000000000000;
