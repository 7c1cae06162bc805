-- Stripe in (src/integrations/stripe): conversions from the vendor's Stripe account with no code on their side.
-- Each verified event is stored once (Stripe retries for days: the event id is the key), then applied in
-- Stripe's own order per customer by a consumer a few seconds later, so events that arrive out of order (they
-- do) change things exactly as one clean pass would.

-- Credentials for integrations, one row per program and provider.
CREATE TABLE integrations (
  program_id TEXT NOT NULL REFERENCES programs(id),
  provider TEXT NOT NULL CHECK (provider IN ('stripe')),
  webhook_secret TEXT NOT NULL,                     -- Stripe's endpoint signing secret (whsec_…)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, provider)
);

-- Every event received, reduced to the facts Vouch uses (not Stripe's whole object).
CREATE TABLE stripe_events (
  program_id TEXT NOT NULL,
  id TEXT NOT NULL,                                 -- Stripe's event id, evt_…
  type TEXT NOT NULL,
  customer TEXT NOT NULL,                           -- cus_…, or guest:<checkout session> without a customer
  stripe_created INTEGER NOT NULL,                  -- Stripe's `created` (seconds): the order of application
  facts TEXT NOT NULL,                              -- JSON, see src/integrations/stripe/facts.ts
  received_at INTEGER NOT NULL,
  applied_at INTEGER,
  outcome TEXT,                                     -- what applying it did, for the vendor to read
  referral_id TEXT,
  PRIMARY KEY (program_id, id)
);
CREATE INDEX stripe_events_waiting ON stripe_events(received_at) WHERE applied_at IS NULL;
CREATE INDEX stripe_events_customer ON stripe_events(program_id, customer, stripe_created);

-- What ties a Stripe customer to a referral: the click id or code a checkout, customer or subscription
-- carried, and the customer's email (which may match a lead).
CREATE TABLE stripe_customers (
  program_id TEXT NOT NULL,
  customer TEXT NOT NULL,
  click_id TEXT,
  code TEXT,
  email TEXT,
  attributed_by TEXT,                               -- the event that brought the click id or code
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (program_id, customer)
);
