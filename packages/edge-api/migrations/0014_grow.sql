-- Growing the program (issue 16): greet the friend by name, ask only eligible members, nudge at a moment.

-- What the friend's greeting (POST /v1/track/visit → `greeting`) says about the referrer. 'first_name' by
-- default: a link can be forwarded or posted anywhere, and the company would tell whoever opens it that the
-- company is the vendor's customer (src/greeting/greeting.ts).
ALTER TABLE programs ADD COLUMN greeting_reveal TEXT NOT NULL DEFAULT 'first_name'
  CHECK (greeting_reveal IN ('first_name', 'name_and_company', 'nothing'));
-- JSON { "en"?: …, "de"?: … }: the friend's offer in the greeting instead of the friend rules in words.
ALTER TABLE programs ADD COLUMN greeting_offer TEXT;

-- JSON { "match": "all" | "any", "conditions": [ … ] } (src/eligibility/rules.ts); NULL: every member is eligible.
ALTER TABLE programs ADD COLUMN eligibility_rules TEXT;
-- JSON { "<moment>": { "message": { "en"?, "de"? }, "cooldown_days"? } } (src/moments/settings.ts); NULL: defaults.
ALTER TABLE programs ADD COLUMN moment_settings TEXT;

-- The attributes the host last passed and signed (JSON object), and the rules' verdict on them at that enrolment:
-- 1 eligible, 0 not, NULL never checked (enrolled before any attributes or rules).
ALTER TABLE members ADD COLUMN attributes TEXT;
ALTER TABLE members ADD COLUMN eligible INTEGER CHECK (eligible IN (0, 1));
ALTER TABLE members ADD COLUMN eligibility_checked_at INTEGER;
-- GET /v1/members/eligibility counts a program's members by verdict.
CREATE INDEX members_eligibility ON members (program_id, eligible);

-- One row per moment that made (or will make) a nudge: at most one per member and moment per cooldown.
-- shown_at: the widget showed it (once); dismissed_at / clicked_at: what the member did with it.
CREATE TABLE member_moments (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  member_id TEXT NOT NULL REFERENCES members(id),
  moment TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('browser', 'server')),
  created_at INTEGER NOT NULL,
  shown_at INTEGER,
  dismissed_at INTEGER,
  clicked_at INTEGER
);
-- The cooldown check and the pending nudge read a member's latest row per moment.
CREATE INDEX member_moments_member ON member_moments (member_id, moment, created_at);
-- Analytics count a program's moments by name.
CREATE INDEX member_moments_program ON member_moments (program_id, moment, created_at);
