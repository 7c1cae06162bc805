-- Wrong sign-ins for addresses that are no admin's, counted like an admin's (admins.failed_logins, locked_until), so
-- that five wrong tries lock an unknown address too: the answers no longer tell a real admin's address from a
-- made-up one (src/admin/service.ts signIn). Rows idle for a day are deleted by the cron.
CREATE TABLE login_throttle (
  email TEXT PRIMARY KEY,                           -- lower-cased, as the sign-in form sends it
  failed_logins INTEGER NOT NULL,
  locked_until INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);
