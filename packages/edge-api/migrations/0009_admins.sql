-- Admins (src/admin): people who run programs from the dashboard. A workspace holds programs and admins; an
-- admin signs in with email + password (PBKDF2-SHA256) and gets a session stored here, behind an HttpOnly
-- cookie. The dashboard then calls the same /v1 API as a secret key would, for a program of its workspace.

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,                               -- wsp_…
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- A program belongs to at most one workspace (programs created before workspaces have none until
-- `pnpm vouch create-admin --program` adopts them).
ALTER TABLE programs ADD COLUMN workspace_id TEXT REFERENCES workspaces(id);
CREATE INDEX programs_workspace ON programs(workspace_id);

CREATE TABLE admins (
  id TEXT PRIMARY KEY,                               -- adm_…
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
  password_hash TEXT NOT NULL,                       -- pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>
  failed_logins INTEGER NOT NULL DEFAULT 0,          -- consecutive; reset by a successful sign-in
  locked_until INTEGER,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER
);
CREATE INDEX admins_workspace ON admins(workspace_id);

CREATE TABLE admin_sessions (
  id TEXT PRIMARY KEY,                               -- SHA-256 of the cookie's token: a leaked table signs nobody in
  admin_id TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,                          -- sent back as X-CSRF-Token on every change
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_sessions_admin ON admin_sessions(admin_id);
