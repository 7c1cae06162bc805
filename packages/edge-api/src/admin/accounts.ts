import { newId } from "../lib/ids";
import type { Statement } from "../lib/sql";
import { hashPassword } from "./password";

/** Admin accounts as statements: no D1 here, so `pnpm vouch` and the seed (in Node) share it with the API. */
export type AdminRole = "owner" | "admin" | "viewer";
export const ADMIN_ROLES = ["owner", "admin", "viewer"] as const;

/**
 * A new admin (and, without `workspaceId`, a new workspace), as statements the API runs through D1 and
 * `pnpm vouch create-admin` through wrangler. `programIds` are adopted by the workspace if they have none.
 */
export async function newAdminStatements(input: {
  email: string;
  password: string;
  role: AdminRole;
  name?: string;
  workspaceId?: string;
  workspaceName?: string;
  programIds?: string[];
  now?: number;
}): Promise<{ adminId: string; workspaceId: string; statements: Statement[] }> {
  const now = input.now ?? Date.now();
  const workspaceId = input.workspaceId ?? newId("wsp");
  const adminId = newId("adm");
  const statements: Statement[] = [];
  if (!input.workspaceId) {
    statements.push({
      sql: "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)",
      params: [workspaceId, input.workspaceName ?? "Workspace", now],
    });
  }
  statements.push({
    sql: `INSERT INTO admins (id, workspace_id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    params: [
      adminId,
      workspaceId,
      input.email.trim().toLowerCase(),
      input.name ?? "",
      input.role,
      await hashPassword(input.password),
      now,
    ],
  });
  for (const programId of input.programIds ?? []) {
    statements.push({
      sql: "UPDATE programs SET workspace_id = ? WHERE id = ? AND workspace_id IS NULL",
      params: [workspaceId, programId],
    });
  }
  return { adminId, workspaceId, statements };
}
