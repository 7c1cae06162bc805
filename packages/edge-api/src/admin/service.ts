import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError, isUniqueViolation } from "../lib/errors";
import { iso } from "../lib/time";
import { type Program, type ProgramRow, toProgram } from "../programs/service";
import { type AdminRole, newAdminStatements } from "./accounts";
import { hashPassword, UNMATCHABLE_HASH, verifyPassword } from "./password";

export { ADMIN_ROLES, type AdminRole, newAdminStatements } from "./accounts";

/**
 * Admin accounts and their sessions. A session is a random token in an HttpOnly cookie; D1 keeps only its
 * SHA-256 (a copy of the table signs nobody in) with the CSRF token the dashboard sends back on every change.
 * Sessions are not cached: signing out (or out everywhere) is immediate on every isolate, and the one read a
 * request costs also brings the program it acts on.
 */

/** `__Host-`: only this origin, over https (or localhost), with Path=/ and no Domain, can set it: a sibling
 * sub-domain cannot plant a session of its own choosing. */
export const SESSION_COOKIE = "__Host-vouch_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Consecutive wrong passwords before the account locks, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export interface AdminRow {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: AdminRole;
  password_hash: string;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  last_login_at: number | null;
}

export function adminView(a: Pick<AdminRow, "id" | "email" | "name" | "role" | "created_at" | "last_login_at">) {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role,
    created_at: iso(a.created_at) as string,
    last_login_at: iso(a.last_login_at),
  };
}

export interface SignedIn {
  token: string;
  csrfToken: string;
  expiresAt: number;
  admin: AdminRow;
}

/**
 * Checks the password and opens a session. Wrong passwords count per account: the fifth in a row locks it for
 * 15 minutes (`account_locked`, even with the right password); when a lock has run out the count starts again.
 * The attempt is counted before the password is checked, in one statement that also refuses a locked account,
 * so a burst of parallel guesses gets five, not one each. An unknown email costs the same PBKDF2 as a known one
 * and gets the same answers: a wrong password's five times, then the lock's (`login_throttle`, migration 0019).
 */
export async function signIn(
  db: D1Database,
  email: string,
  password: string,
  userAgent: string,
  now = Date.now(),
): Promise<SignedIn> {
  const address = email.trim().toLowerCase();
  const expired = "locked_until IS NOT NULL AND locked_until <= ?1";
  const count = `CASE WHEN ${expired} THEN 1 ELSE failed_logins + 1 END`;
  const lockedUntil = `CASE WHEN ${count} >= ?2 THEN ?3 WHEN ${expired} THEN NULL ELSE locked_until END`;
  const [adminRes, unknownRes] = await db.batch([
    db
      .prepare(
        `UPDATE admins SET failed_logins = ${count}, locked_until = ${lockedUntil}
         WHERE email = ?4 AND (locked_until IS NULL OR locked_until <= ?1) RETURNING *`,
      )
      .bind(now, MAX_FAILED_LOGINS, now + LOCKOUT_MS, address),
    // An address that is no admin's is counted the same way (migration 0019), so its answers are the same.
    db
      .prepare(
        `INSERT INTO login_throttle (email, failed_logins, locked_until, updated_at)
         SELECT ?4, 1, NULL, ?1 WHERE NOT EXISTS (SELECT 1 FROM admins WHERE email = ?4)
         ON CONFLICT (email) DO UPDATE SET failed_logins = ${count}, locked_until = ${lockedUntil}, updated_at = ?1
           WHERE locked_until IS NULL OR locked_until <= ?1
         RETURNING email`,
      )
      .bind(now, MAX_FAILED_LOGINS, now + LOCKOUT_MS, address),
  ]);
  const admin = (adminRes?.results[0] as AdminRow | undefined) ?? null;
  // Neither counted this try: the address (an admin's or not) is locked.
  const locked =
    admin || (unknownRes?.results.length ?? 0) > 0
      ? null
      : await db
          .prepare(
            "SELECT locked_until FROM admins WHERE email = ?1 UNION ALL SELECT locked_until FROM login_throttle WHERE email = ?1",
          )
          .bind(address)
          .first<{ locked_until: number }>();
  const verdict = await verifyPassword(password, admin?.password_hash ?? UNMATCHABLE_HASH);
  if (locked?.locked_until) {
    throw new ApiError(
      "account_locked",
      `Too many wrong passwords: this account is locked until ${iso(locked.locked_until)}.`,
      { locked_until: iso(locked.locked_until) },
      { "Retry-After": String(Math.ceil((locked.locked_until - now) / 1000)) },
    );
  }
  if (!admin || !verdict.ok) throw new ApiError("invalid_credentials", "The email or password is wrong.");
  const rehash = verdict.rehash
    ? [db.prepare("UPDATE admins SET password_hash = ? WHERE id = ?").bind(await hashPassword(password), admin.id)]
    : [];
  return openSession(db, admin, userAgent, now, rehash);
}

/** A new session for an admin who proved who they are (a password, or Cloudflare Access: access.ts). */
export async function openSession(
  db: D1Database,
  admin: AdminRow,
  userAgent: string,
  now = Date.now(),
  extra: D1PreparedStatement[] = [],
): Promise<SignedIn> {
  const token = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = now + SESSION_TTL_MS;
  const statements = [
    db
      .prepare(
        "INSERT INTO admin_sessions (id, admin_id, csrf_token, created_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .bind(await sha256Hex(token), admin.id, csrfToken, now, expiresAt, userAgent.slice(0, 300)),
    db
      .prepare("UPDATE admins SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?")
      .bind(now, admin.id),
    // Expired sessions go as new ones come.
    db.prepare("DELETE FROM admin_sessions WHERE admin_id = ? AND expires_at < ?").bind(admin.id, now),
  ];
  await db.batch([...statements, ...extra]);
  return { token, csrfToken, expiresAt, admin: { ...admin, last_login_at: now } };
}

export interface ResolvedSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
  admin: AdminRow;
  /** The program the request acts on (X-Vouch-Program), when it named one of the workspace's. */
  program: Program | null;
}

/** The session behind a cookie's token, with the named program if it is in the admin's workspace. */
export async function resolveSession(
  db: D1Database,
  token: string,
  programId: string | null,
  now = Date.now(),
): Promise<ResolvedSession> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new ApiError("session_expired", "Sign in again.");
  const sessionId = await sha256Hex(token);
  const [session, program] = await db.batch([
    db
      .prepare(
        `SELECT s.csrf_token AS s_csrf_token, s.expires_at AS s_expires_at, a.*
         FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id = ? AND s.expires_at > ?`,
      )
      .bind(sessionId, now),
    db
      .prepare(
        `SELECT p.* FROM programs p JOIN admin_sessions s ON s.id = ? JOIN admins a ON a.id = s.admin_id
         WHERE p.id = ? AND p.workspace_id = a.workspace_id`,
      )
      .bind(sessionId, programId ?? ""),
  ]);
  const row = session?.results[0] as (AdminRow & { s_csrf_token: string; s_expires_at: number }) | undefined;
  if (!row) throw new ApiError("session_expired", "Your session has ended: sign in again.");
  const { s_csrf_token, s_expires_at, ...admin } = row;
  const programRow = program?.results[0] as ProgramRow | undefined;
  return {
    sessionId,
    csrfToken: s_csrf_token,
    expiresAt: s_expires_at,
    admin,
    program: programRow ? toProgram(programRow) : null,
  };
}

export async function signOut(db: D1Database, sessionId: string): Promise<void> {
  await db.prepare("DELETE FROM admin_sessions WHERE id = ?").bind(sessionId).run();
}

/** Ends every session of the admin, on every device (this one too). */
export async function signOutEverywhere(db: D1Database, adminId: string): Promise<number> {
  const { results } = await db
    .prepare("DELETE FROM admin_sessions WHERE admin_id = ? RETURNING id")
    .bind(adminId)
    .all();
  return results.length;
}

/** The programs an admin may open. */
export async function workspacePrograms(db: D1Database, workspaceId: string) {
  const { results } = await db
    .prepare("SELECT id, name, slug, test_mode FROM programs WHERE workspace_id = ? ORDER BY created_at")
    .bind(workspaceId)
    .all<{ id: string; name: string; slug: string; test_mode: number }>();
  return results.map((p) => ({ id: p.id, name: p.name, slug: p.slug, test_mode: p.test_mode === 1 }));
}

export async function listAdmins(db: D1Database, workspaceId: string) {
  const { results } = await db
    .prepare("SELECT * FROM admins WHERE workspace_id = ? ORDER BY created_at")
    .bind(workspaceId)
    .all<AdminRow>();
  return results.map(adminView);
}

export async function createAdmin(
  db: D1Database,
  workspaceId: string,
  input: { email: string; password: string; role: AdminRole; name?: string },
) {
  const { adminId, statements } = await newAdminStatements({ ...input, workspaceId });
  try {
    await db.batch(statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "An admin with this email already exists.");
    throw err;
  }
  const row = await db.prepare("SELECT * FROM admins WHERE id = ?").bind(adminId).first<AdminRow>();
  return adminView(row as AdminRow);
}
