import type { User, Workspace, WorkspaceRole } from '@parley/protocol';
import type { InviteRecord } from '../../../ports/store.js';
import type { Db, Statements } from './db.js';
import { toUser, type UserRow } from './rows.js';

const rank = (col: string) => `(CASE ${col} WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END)`;

const ADD_MEMBER = `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
  VALUES (?, ?, ?, ?)
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET role =
    CASE WHEN ${rank('excluded.role')} > ${rank('role')} THEN excluded.role ELSE role END`;

const INVITE_COLUMNS = 'code, workspace_id, created_by, expires_at, max_uses, uses';

/** Workspaces, their members and invites. */
export class Workspaces {
  readonly #st: Statements;
  readonly #create: (w: { id: string; name: string; owner: string }, now: number) => void;

  constructor(db: Db, st: Statements) {
    this.#st = st;
    this.#create = db.transaction((w: { id: string; name: string; owner: string }, now: number) => {
      st.get('INSERT INTO workspaces (id, name, owner, created_at) VALUES (?, ?, ?, ?)').run(
        w.id,
        w.name,
        w.owner,
        now,
      );
      st.get(ADD_MEMBER).run(w.id, w.owner, 'owner', now);
    });
  }

  /** Creates the workspace with its owner as the first member (role 'owner'). */
  createWorkspace(w: { id: string; name: string; owner: string }): Workspace {
    const now = Date.now();
    this.#create(w, now);
    return { id: w.id, name: w.name, created_at: now, role: 'owner' };
  }

  getWorkspace(id: string): Workspace | null {
    const r = this.#st.get('SELECT id, name, created_at FROM workspaces WHERE id = ?').get(id) as
      | Workspace
      | undefined;
    return r ?? null;
  }

  listWorkspaces(userId: string): Workspace[] {
    return this.#st
      .get(
        `SELECT w.id, w.name, w.created_at, wm.role FROM workspace_members wm
         JOIN workspaces w ON w.id = wm.workspace_id WHERE wm.user_id = ? ORDER BY w.name, w.id`,
      )
      .all(userId) as Workspace[];
  }

  getWorkspaceRole(workspaceId: string, userId: string): WorkspaceRole | null {
    const r = this.#st
      .get('SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?')
      .get(workspaceId, userId) as { role: WorkspaceRole } | undefined;
    return r?.role ?? null;
  }

  addWorkspaceMember(workspaceId: string, userId: string, role: WorkspaceRole): void {
    this.#st.get(ADD_MEMBER).run(workspaceId, userId, role, Date.now());
  }

  setWorkspaceRole(workspaceId: string, userId: string, role: WorkspaceRole): void {
    this.#st
      .get('UPDATE workspace_members SET role = ? WHERE workspace_id = ? AND user_id = ?')
      .run(role, workspaceId, userId);
  }

  removeWorkspaceMember(workspaceId: string, userId: string): void {
    this.#st
      .get('DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?')
      .run(workspaceId, userId);
  }

  listWorkspaceMembers(
    workspaceId: string,
  ): { user: User; role: WorkspaceRole; joined_at: number }[] {
    const rows = this.#st
      .get(
        `SELECT u.id, u.username, u.display_name, u.password_hash, u.disabled, u.created_at,
           wm.role AS role, wm.joined_at AS joined_at
         FROM workspace_members wm JOIN users u ON u.id = wm.user_id
         WHERE wm.workspace_id = ? ORDER BY wm.joined_at, u.id`,
      )
      .all(workspaceId) as (UserRow & { role: WorkspaceRole; joined_at: number })[];
    return rows.map((r) => ({ user: toUser(r), role: r.role, joined_at: r.joined_at }));
  }

  createInvite(i: InviteRecord): void {
    this.#st
      .get(`INSERT INTO invites (${INVITE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(i.code, i.workspace_id, i.created_by, i.expires_at, i.max_uses, i.uses);
  }

  /** One statement, so atomic: counts the use only while the invite is valid. */
  useInvite(code: string, now: number): InviteRecord | null {
    const r = this.#st
      .get(
        `UPDATE invites SET uses = uses + 1
         WHERE code = ? AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)
         RETURNING ${INVITE_COLUMNS}`,
      )
      .get(code, now) as InviteRecord | undefined;
    return r ?? null;
  }
}
