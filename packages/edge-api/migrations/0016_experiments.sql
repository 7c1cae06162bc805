-- A/B experiments per program (src/experiments): variants of the share message and of the offer (a rule set
-- per variant), each member assigned once, deterministically, when first shown the program.

CREATE TABLE experiments (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'ended')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX experiments_program_time ON experiments(program_id, created_at);
-- One running experiment per program: a second start loses on this index, even when two race.
CREATE UNIQUE INDEX experiments_one_running ON experiments(program_id) WHERE status = 'running';

-- Never edited once the experiment starts: what a member was shown, and what their referrals earned under,
-- stays readable after the experiment ends.
CREATE TABLE experiment_variants (
  id TEXT PRIMARY KEY,
  experiment_id TEXT NOT NULL,
  key TEXT NOT NULL,                                -- 'a', 'b', 'team-savings': the name analytics show
  name TEXT,
  weight INTEGER NOT NULL CHECK (weight > 0),
  message TEXT,                                     -- share message template; NULL: the program's
  rules TEXT,                                       -- JSON reward rule set; NULL: the program's current rules
  position INTEGER NOT NULL,
  UNIQUE (experiment_id, key)
);
CREATE INDEX experiment_variants_experiment ON experiment_variants(experiment_id, position);

-- The member's variant, written the first time the widget or the portal shows them the program while the
-- experiment runs. Analytics join members' shares, visits, referrals and rewards to it.
CREATE TABLE experiment_assignments (
  experiment_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  variant_id TEXT NOT NULL,
  program_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (experiment_id, member_id)
);
CREATE INDEX experiment_assignments_member ON experiment_assignments(member_id);

-- The variant whose rule set a reward was earned under (NULL: the program's rules).
ALTER TABLE rewards ADD COLUMN experiment_variant_id TEXT;
