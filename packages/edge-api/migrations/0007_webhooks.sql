-- Outbound webhooks (src/webhooks). The outbox: triggers write an event in the same transaction as the
-- change that caused it, so a change and its event land together or not at all, whichever code path made
-- the change. Each event is fanned out to the program's enabled endpoints subscribed to its type, as one
-- delivery each; the WEBHOOKS queue's consumer sends them (Standard Webhooks signatures, retries with
-- backoff for more than 3 days, every attempt logged). Programs without an enabled endpoint write nothing.

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,                              -- whe_…
  program_id TEXT NOT NULL REFERENCES programs(id),
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  event_types TEXT NOT NULL DEFAULT '["*"]',        -- JSON array of event types; "*" is every type
  secret TEXT NOT NULL,                             -- whsec_… (Standard Webhooks)
  previous_secret TEXT,                             -- also signs until previous_secret_until (rotation)
  previous_secret_until INTEGER,
  status TEXT NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  disabled_reason TEXT,
  failing_since INTEGER,                            -- the first failed attempt since the last success
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_program ON webhook_endpoints(program_id, status);

-- The outbox. `id` is the Standard Webhooks `webhook-id`: the same for every attempt and replay, so
-- receivers de-duplicate on it. `snapshot` holds the rows as they were in the transaction; `payload` is the
-- body built from it by the first delivery and sent byte for byte the same ever after.
CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY,                              -- msg_…
  program_id TEXT NOT NULL,
  type TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  payload TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_events_program ON webhook_events(program_id, created_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,                              -- whd_…
  program_id TEXT NOT NULL,
  event_id TEXT NOT NULL REFERENCES webhook_events(id),
  endpoint_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  leased_until INTEGER,                             -- on the queue until then (the cron re-queues it after)
  attempting_until INTEGER,                         -- a consumer is sending it until then (duplicates wait)
  last_status INTEGER,
  last_error TEXT,
  delivered_at INTEGER,
  replay_of TEXT,                                   -- the delivery a manual replay repeats
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

-- One row per HTTP attempt: what the receiver answered and how long it took.
CREATE TABLE webhook_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  program_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  status INTEGER,                                   -- null: no answer (timeout, refused connection)
  latency_ms INTEGER NOT NULL,
  response_excerpt TEXT,                            -- the first 500 characters of the body
  error TEXT,
  UNIQUE (delivery_id, attempt)
);

-- Fan-out: one delivery per enabled endpoint subscribed to the event's type.
CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON webhook_events
BEGIN
  INSERT INTO webhook_deliveries (id, program_id, event_id, endpoint_id, state, next_attempt_at, created_at)
  SELECT 'whd_' || lower(hex(randomblob(12))), NEW.program_id, NEW.id, w.id, 'pending', NEW.created_at, NEW.created_at
  FROM webhook_endpoints w
  WHERE w.program_id = NEW.program_id AND w.status = 'enabled' AND NEW.type <> 'webhook.test'
    AND EXISTS (SELECT 1 FROM json_each(w.event_types) t WHERE t.value IN ('*', NEW.type));
END;

CREATE TRIGGER webhooks_member_created AFTER INSERT ON members
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'member.created',
    json_object('member', json_object(
      'id', NEW.id, 'external_id', NEW.external_id, 'email', NEW.email, 'email_verified', NEW.email_verified,
      'name', NEW.name, 'company', NEW.company, 'code', NEW.code, 'suspended_at', NEW.suspended_at,
      'suspended_reason', NEW.suspended_reason, 'created_at', NEW.created_at)), NEW.created_at);
END;

-- A referral's first event creates it (from_status NULL); that and every later event (renewals too) changes
-- its status, except a lead's creation. One trigger, so `referral.created` always comes first.
CREATE TRIGGER webhooks_referral_events AFTER INSERT ON events
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  SELECT 'msg_' || lower(hex(randomblob(12))), NEW.program_id, 'referral.created',
    json_object('referral', json((SELECT json_object(
        'id', r.id, 'member_id', r.member_id, 'status', r.status, 'source', r.source, 'click_id', r.click_id,
        'campaign', r.campaign, 'friend_email', r.friend_email, 'friend_name', r.friend_name,
        'friend_company', r.friend_company, 'friend_role', r.friend_role,
        'friend_company_size', r.friend_company_size, 'external_customer_id', r.external_customer_id,
        'plan', r.plan, 'value_cents', r.value_cents, 'currency', r.currency, 'created_at', r.created_at,
        'updated_at', r.updated_at)
      FROM referrals r WHERE r.id = NEW.referral_id))), NEW.created_at
  WHERE NEW.from_status IS NULL;
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  SELECT 'msg_' || lower(hex(randomblob(12))), NEW.program_id, 'referral.status_changed',
    json_object('referral', json((SELECT json_object(
        'id', r.id, 'member_id', r.member_id, 'status', r.status, 'source', r.source, 'click_id', r.click_id,
        'campaign', r.campaign, 'friend_email', r.friend_email, 'friend_name', r.friend_name,
        'friend_company', r.friend_company, 'friend_role', r.friend_role,
        'friend_company_size', r.friend_company_size, 'external_customer_id', r.external_customer_id,
        'plan', r.plan, 'value_cents', r.value_cents, 'currency', r.currency, 'created_at', r.created_at,
        'updated_at', r.updated_at)
      FROM referrals r WHERE r.id = NEW.referral_id)),
      'event', json_object(
        'id', NEW.id, 'seq', NEW.seq, 'from_status', NEW.from_status, 'to_status', NEW.to_status,
        'value_cents', NEW.value_cents, 'currency', NEW.currency, 'plan', NEW.plan, 'reason', NEW.reason,
        'idempotency_key', NEW.idempotency_key, 'created_at', NEW.created_at)), NEW.created_at
  WHERE NEW.from_status IS NOT NULL OR NEW.to_status <> 'lead';
END;

-- A reward written already approved (no hold) is announced as created, then as approved.
CREATE TRIGGER webhooks_reward_created AFTER INSERT ON rewards
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'reward.created',
    json_object('reward', json_object(
      'id', NEW.id, 'state', NEW.state, 'member_id', NEW.member_id, 'referral_id', NEW.referral_id,
      'event_id', NEW.event_id, 'recipient', NEW.recipient, 'kind', NEW.kind, 'amount', NEW.amount,
      'currency', NEW.currency, 'description', NEW.description, 'rule_id', NEW.rule_id,
      'rule_version', NEW.rule_version, 'auto_approve', NEW.auto_approve, 'while_active', NEW.while_active,
      'awaiting_qualification', NEW.awaiting_qualification, 'clawback_of', NEW.clawback_of,
      'available_at', NEW.available_at, 'created_at', NEW.created_at, 'approved_at', NEW.approved_at,
      'paid_at', NEW.paid_at, 'payout_id', NEW.payout_id, 'voided_at', NEW.voided_at,
      'void_reason', NEW.void_reason)), NEW.created_at);
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  SELECT 'msg_' || lower(hex(randomblob(12))), NEW.program_id, 'reward.approved',
    json_object('reward', json_object(
      'id', NEW.id, 'state', NEW.state, 'member_id', NEW.member_id, 'referral_id', NEW.referral_id,
      'event_id', NEW.event_id, 'recipient', NEW.recipient, 'kind', NEW.kind, 'amount', NEW.amount,
      'currency', NEW.currency, 'description', NEW.description, 'rule_id', NEW.rule_id,
      'rule_version', NEW.rule_version, 'auto_approve', NEW.auto_approve, 'while_active', NEW.while_active,
      'awaiting_qualification', NEW.awaiting_qualification, 'clawback_of', NEW.clawback_of,
      'available_at', NEW.available_at, 'created_at', NEW.created_at, 'approved_at', NEW.approved_at,
      'paid_at', NEW.paid_at, 'payout_id', NEW.payout_id, 'voided_at', NEW.voided_at,
      'void_reason', NEW.void_reason)), COALESCE(NEW.approved_at, NEW.created_at)
  WHERE NEW.state = 'approved';
END;

CREATE TRIGGER webhooks_reward_approved AFTER UPDATE OF state ON rewards
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
  AND NEW.state = 'approved' AND OLD.state <> 'approved'
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'reward.approved',
    json_object('reward', json_object(
      'id', NEW.id, 'state', NEW.state, 'member_id', NEW.member_id, 'referral_id', NEW.referral_id,
      'event_id', NEW.event_id, 'recipient', NEW.recipient, 'kind', NEW.kind, 'amount', NEW.amount,
      'currency', NEW.currency, 'description', NEW.description, 'rule_id', NEW.rule_id,
      'rule_version', NEW.rule_version, 'auto_approve', NEW.auto_approve, 'while_active', NEW.while_active,
      'awaiting_qualification', NEW.awaiting_qualification, 'clawback_of', NEW.clawback_of,
      'available_at', NEW.available_at, 'created_at', NEW.created_at, 'approved_at', NEW.approved_at,
      'paid_at', NEW.paid_at, 'payout_id', NEW.payout_id, 'voided_at', NEW.voided_at,
      'void_reason', NEW.void_reason)), COALESCE(NEW.approved_at, NEW.created_at));
END;

CREATE TRIGGER webhooks_reward_paid AFTER UPDATE OF state ON rewards
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
  AND NEW.state = 'paid' AND OLD.state <> 'paid'
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'reward.paid',
    json_object('reward', json_object(
      'id', NEW.id, 'state', NEW.state, 'member_id', NEW.member_id, 'referral_id', NEW.referral_id,
      'event_id', NEW.event_id, 'recipient', NEW.recipient, 'kind', NEW.kind, 'amount', NEW.amount,
      'currency', NEW.currency, 'description', NEW.description, 'rule_id', NEW.rule_id,
      'rule_version', NEW.rule_version, 'auto_approve', NEW.auto_approve, 'while_active', NEW.while_active,
      'awaiting_qualification', NEW.awaiting_qualification, 'clawback_of', NEW.clawback_of,
      'available_at', NEW.available_at, 'created_at', NEW.created_at, 'approved_at', NEW.approved_at,
      'paid_at', NEW.paid_at, 'payout_id', NEW.payout_id, 'voided_at', NEW.voided_at,
      'void_reason', NEW.void_reason)), COALESCE(NEW.paid_at, NEW.created_at));
END;

CREATE TRIGGER webhooks_reward_voided AFTER UPDATE OF state ON rewards
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
  AND NEW.state = 'voided' AND OLD.state <> 'voided'
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'reward.voided',
    json_object('reward', json_object(
      'id', NEW.id, 'state', NEW.state, 'member_id', NEW.member_id, 'referral_id', NEW.referral_id,
      'event_id', NEW.event_id, 'recipient', NEW.recipient, 'kind', NEW.kind, 'amount', NEW.amount,
      'currency', NEW.currency, 'description', NEW.description, 'rule_id', NEW.rule_id,
      'rule_version', NEW.rule_version, 'auto_approve', NEW.auto_approve, 'while_active', NEW.while_active,
      'awaiting_qualification', NEW.awaiting_qualification, 'clawback_of', NEW.clawback_of,
      'available_at', NEW.available_at, 'created_at', NEW.created_at, 'approved_at', NEW.approved_at,
      'paid_at', NEW.paid_at, 'payout_id', NEW.payout_id, 'voided_at', NEW.voided_at,
      'void_reason', NEW.void_reason)), COALESCE(NEW.voided_at, NEW.created_at));
END;

-- A referral (or a blocked lead) the fraud engine sent to review.
CREATE TRIGGER webhooks_review_flagged AFTER INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.program_id = NEW.program_id AND w.status = 'enabled')
BEGIN
  INSERT INTO webhook_events (id, program_id, type, snapshot, created_at)
  VALUES ('msg_' || lower(hex(randomblob(12))), NEW.program_id, 'review.flagged',
    json_object('review', json_object(
      'id', NEW.id, 'status', NEW.status, 'referral_id', NEW.referral_id, 'member_id', NEW.member_id,
      'friend_email', NEW.friend_email, 'reasons', NEW.reasons, 'created_at', NEW.created_at,
      'updated_at', NEW.updated_at, 'decided_at', NEW.decided_at, 'decided_by', NEW.decided_by,
      'decision_reason', NEW.decision_reason)), NEW.created_at);
END;
