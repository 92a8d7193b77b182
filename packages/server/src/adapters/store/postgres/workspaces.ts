import type { User, Workspace, WorkspaceRole } from '@parley/protocol';
import type pg from 'pg';
import type { InviteRecord } from '../../../ports/store.js';
import { type Queryable, query, transaction } from './db.js';
import { toUser, type UserRow } from './rows.js';

const rank = (col: string) => `(CASE ${col} WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END)`;

const ADD_MEMBER = `INSERT INTO workspace_members AS wm (workspace_id, user_id, role, joined_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET role =
    CASE WHEN ${rank('excluded.role')} > ${rank('wm.role')} THEN excluded.role ELSE wm.role END`;

const INVITE_COLUMNS = 'code, workspace_id, created_by, expires_at, max_uses, uses';

/** Workspaces, their members and invites. */
export class Workspaces {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Creates the workspace with its owner as the first member (role 'owner'). */
  async createWorkspace(w: { id: string; name: string; owner: string }): Promise<Workspace> {
    const now = Date.now();
    await transaction(this.#pool, async (c) => {
      await c.query(
        'INSERT INTO workspaces (id, name, owner, created_at) VALUES ($1, $2, $3, $4)',
        [w.id, w.name, w.owner, now],
      );
      await c.query(ADD_MEMBER, [w.id, w.owner, 'owner', now]);
    });
    return { id: w.id, name: w.name, created_at: now, role: 'owner' };
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const [r] = await query<Workspace>(
      this.#pool,
      'SELECT id, name, created_at FROM workspaces WHERE id = $1',
      [id],
    );
    return r ?? null;
  }

  listWorkspaces(userId: string): Promise<Workspace[]> {
    return query<Workspace>(
      this.#pool,
      `SELECT w.id, w.name, w.created_at, wm.role FROM workspace_members wm
       JOIN workspaces w ON w.id = wm.workspace_id WHERE wm.user_id = $1
       ORDER BY w.name COLLATE "C", w.id COLLATE "C"`,
      [userId],
    );
  }

  async getWorkspaceRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    const [r] = await query<{ role: WorkspaceRole }>(
      this.#pool,
      'SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
    return r?.role ?? null;
  }

  async addWorkspaceMember(
    workspaceId: string,
    userId: string,
    role: WorkspaceRole,
  ): Promise<void> {
    await addMember(this.#pool, workspaceId, userId, role);
  }

  async setWorkspaceRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    await query(
      this.#pool,
      'UPDATE workspace_members SET role = $1 WHERE workspace_id = $2 AND user_id = $3',
      [role, workspaceId, userId],
    );
  }

  async removeWorkspaceMember(workspaceId: string, userId: string): Promise<void> {
    await query(
      this.#pool,
      'DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
  }

  async listWorkspaceMembers(
    workspaceId: string,
  ): Promise<{ user: User; role: WorkspaceRole; joined_at: number }[]> {
    const rows = await query<UserRow & { role: WorkspaceRole; joined_at: number }>(
      this.#pool,
      `SELECT u.id, u.username, u.display_name, u.password_hash, u.disabled, u.created_at,
         wm.role AS role, wm.joined_at AS joined_at
       FROM workspace_members wm JOIN users u ON u.id = wm.user_id
       WHERE wm.workspace_id = $1 ORDER BY wm.joined_at, u.id COLLATE "C"`,
      [workspaceId],
    );
    return rows.map((r) => ({ user: toUser(r), role: r.role, joined_at: r.joined_at }));
  }

  async createInvite(i: InviteRecord): Promise<void> {
    await query(
      this.#pool,
      `INSERT INTO invites (${INVITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
      [i.code, i.workspace_id, i.created_by, i.expires_at, i.max_uses, i.uses],
    );
  }

  /** One statement, so atomic: counts the use only while the invite is valid (a concurrent
   * use re-checks the condition on the updated row). */
  async useInvite(code: string, now: number): Promise<InviteRecord | null> {
    const [r] = await query<InviteRecord>(
      this.#pool,
      `UPDATE invites SET uses = uses + 1
       WHERE code = $1 AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)
       RETURNING ${INVITE_COLUMNS}`,
      [code, now],
    );
    return r ?? null;
  }
}

function addMember(
  db: Queryable,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole,
): Promise<unknown> {
  return query(db, ADD_MEMBER, [workspaceId, userId, role, Date.now()]);
}
