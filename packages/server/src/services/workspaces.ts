import {
  type Invite,
  ParleyError,
  type Workspace,
  type WorkspaceMember,
  type WorkspaceRole,
} from '@parley/protocol';
import type { WorkspaceStore } from '../ports/store.js';
import { code, newId } from '../util/ids.js';
import { cleanName } from '../util/text.js';

const DEFAULT_INVITE_TTL_S = 7 * 86400;
const MANAGERS: readonly WorkspaceRole[] = ['owner', 'admin'];

/** Workspaces: the tenancy root of teams. Roles: owner, admin, member. */
export class WorkspaceService {
  constructor(private readonly store: WorkspaceStore) {}

  create(userId: string, name: string): Promise<Workspace> {
    return this.store.createWorkspace({ id: newId('w'), name: cleanName(name), owner: userId });
  }

  list(userId: string): Promise<Workspace[]> {
    return this.store.listWorkspaces(userId);
  }

  /** The caller's role; throws not_found when the caller is not a member. */
  async requireRole(workspaceId: string, userId: string): Promise<WorkspaceRole> {
    const role = await this.store.getWorkspaceRole(workspaceId, userId);
    if (!role) throw new ParleyError('not_found', 'no such workspace');
    return role;
  }

  async requireManager(workspaceId: string, userId: string): Promise<WorkspaceRole> {
    const role = await this.requireRole(workspaceId, userId);
    if (!MANAGERS.includes(role)) throw new ParleyError('forbidden', 'needs owner or admin');
    return role;
  }

  async get(workspaceId: string, userId: string): Promise<Workspace> {
    const role = await this.requireRole(workspaceId, userId);
    const ws = await this.store.getWorkspace(workspaceId);
    if (!ws) throw new ParleyError('not_found', 'no such workspace');
    return { ...ws, role };
  }

  async members(workspaceId: string, userId: string): Promise<WorkspaceMember[]> {
    await this.requireRole(workspaceId, userId);
    return this.store.listWorkspaceMembers(workspaceId);
  }

  async setRole(workspaceId: string, actor: string, target: string, role: WorkspaceRole) {
    await this.requireManager(workspaceId, actor);
    const current = await this.store.getWorkspaceRole(workspaceId, target);
    if (!current) throw new ParleyError('not_found', 'not a member');
    if (current === 'owner') throw new ParleyError('forbidden', "the owner's role cannot change");
    await this.store.setWorkspaceRole(workspaceId, target, role);
  }

  async remove(workspaceId: string, actor: string, target: string): Promise<void> {
    const actorRole = await this.requireRole(workspaceId, actor);
    const targetRole = await this.store.getWorkspaceRole(workspaceId, target);
    if (!targetRole) throw new ParleyError('not_found', 'not a member');
    if (targetRole === 'owner') throw new ParleyError('forbidden', 'the owner cannot be removed');
    if (actor !== target) {
      if (!MANAGERS.includes(actorRole)) throw new ParleyError('forbidden', 'needs owner or admin');
      if (targetRole === 'admin' && actorRole !== 'owner') {
        throw new ParleyError('forbidden', 'only the owner removes an admin');
      }
    }
    await this.store.removeWorkspaceMember(workspaceId, target);
  }

  async createInvite(
    workspaceId: string,
    actor: string,
    opts: { ttl_s?: number | undefined; max_uses?: number | undefined },
  ): Promise<Invite> {
    await this.requireManager(workspaceId, actor);
    const inv = {
      code: code(),
      workspace_id: workspaceId,
      created_by: actor,
      expires_at: Date.now() + (opts.ttl_s ?? DEFAULT_INVITE_TTL_S) * 1000,
      max_uses: opts.max_uses ?? null,
      uses: 0,
    };
    await this.store.createInvite(inv);
    const { created_by: _c, ...rest } = inv;
    return rest;
  }

  async join(inviteCode: string, userId: string): Promise<Workspace> {
    if (!/^[0-9a-z]{1,32}$/.test(inviteCode)) throw new ParleyError('invalid_invite');
    const existing = await this.store.useInvite(inviteCode, Date.now());
    if (!existing) throw new ParleyError('invalid_invite');
    await this.store.addWorkspaceMember(existing.workspace_id, userId, 'member');
    return this.get(existing.workspace_id, userId);
  }
}
