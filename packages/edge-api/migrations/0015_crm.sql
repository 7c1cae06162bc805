-- CRM (src/integrations/crm): HubSpot and Salesforce, both directions.
-- In: deal / opportunity stage changes are stored once (by the provider's event id, or record id + stage) and
-- applied to the linked referral through the same plans as the API. Out: each new referral (and each status
-- change) puts its referral on the outbox below, in the same transaction (triggers), and the CRM queue's
-- consumer creates or updates the contact / lead with retries; the cron re-queues anything lost.

-- One row per program and CRM. `credentials` is JSON encrypted with the deployment's VOUCH_ENCRYPTION_KEY
-- (AES-GCM, `enc:v1:<key id>:<iv>:<ciphertext>`): the API never returns it, only `hint`.
CREATE TABLE crm_settings (
  program_id TEXT NOT NULL REFERENCES programs(id),
  provider TEXT NOT NULL CHECK (provider IN ('hubspot', 'salesforce')),
  credentials TEXT NOT NULL,
  hint TEXT NOT NULL,                               -- e.g. "pat-…9f2c": which token is saved, not the token
  stage_map TEXT NOT NULL DEFAULT '{}',             -- JSON { "<CRM stage>": "qualified" | "converted" | "lost" }
  currency TEXT NOT NULL DEFAULT 'USD',             -- for amounts whose record names no currency
  sync_out INTEGER NOT NULL DEFAULT 1,              -- push referrals to the CRM
  sync_in INTEGER NOT NULL DEFAULT 1,               -- accept stage changes from it
  objects TEXT NOT NULL DEFAULT 'default',          -- Salesforce: 'lead' or 'contact_or_lead'; HubSpot: 'contact'
  org_id TEXT,                                      -- Salesforce: the OrganizationId Outbound Messages must carry
  token TEXT,                                       -- Salesforce: the cached access token (encrypted like credentials)
  schema_ready INTEGER NOT NULL DEFAULT 0,          -- HubSpot: the Vouch property group and properties exist
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, provider)
);

-- Stage changes received. `event_key` is HubSpot's eventId, or Salesforce's record id + ":" + stage.
CREATE TABLE crm_events (
  program_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  event_key TEXT NOT NULL,
  record_id TEXT NOT NULL,                          -- the deal / opportunity
  stage TEXT NOT NULL,
  facts TEXT NOT NULL DEFAULT '{}',                 -- JSON: amount, currency, referral id or email when the payload had them
  received_at INTEGER NOT NULL,
  applied_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  referral_id TEXT,
  PRIMARY KEY (program_id, provider, event_key)
);
CREATE INDEX crm_events_waiting ON crm_events(received_at) WHERE applied_at IS NULL;

-- The outbox: one row per referral and CRM, pending again whenever the referral changes status.
CREATE TABLE crm_outbox (
  id TEXT PRIMARY KEY,                              -- crm_…
  program_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  leased_until INTEGER,
  external_id TEXT,                                 -- the CRM's contact / lead id once synced
  external_type TEXT,                               -- contact | lead
  last_status INTEGER,
  last_error TEXT,
  synced_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (provider, referral_id)
);
CREATE INDEX crm_outbox_due ON crm_outbox(next_attempt_at) WHERE state = 'pending';

-- What happened, per referral, for the vendor to read (both directions).
CREATE TABLE crm_sync_log (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  referral_id TEXT,
  provider TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  action TEXT NOT NULL,                             -- e.g. contact.created, lead.upserted, stage.applied, retry
  detail TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX crm_sync_log_referral ON crm_sync_log(program_id, referral_id, created_at);
CREATE INDEX crm_sync_log_program ON crm_sync_log(program_id, created_at);

CREATE TRIGGER crm_referral_created AFTER INSERT ON referrals
BEGIN
  INSERT OR IGNORE INTO crm_outbox (id, program_id, provider, referral_id, next_attempt_at, created_at)
  SELECT 'crm_' || lower(hex(randomblob(12))), NEW.program_id, s.provider, NEW.id, NEW.created_at, NEW.created_at
  FROM crm_settings s WHERE s.program_id = NEW.program_id AND s.sync_out = 1;
END;

CREATE TRIGGER crm_referral_status AFTER UPDATE OF status ON referrals
WHEN NEW.status <> OLD.status
BEGIN
  INSERT OR IGNORE INTO crm_outbox (id, program_id, provider, referral_id, next_attempt_at, created_at)
  SELECT 'crm_' || lower(hex(randomblob(12))), NEW.program_id, s.provider, NEW.id, NEW.updated_at, NEW.updated_at
  FROM crm_settings s WHERE s.program_id = NEW.program_id AND s.sync_out = 1;
  UPDATE crm_outbox SET state = 'pending', attempts = 0, next_attempt_at = NEW.updated_at, leased_until = NULL
  WHERE referral_id = NEW.id AND state <> 'pending'
    AND provider IN (SELECT provider FROM crm_settings s WHERE s.program_id = NEW.program_id AND s.sync_out = 1);
END;
