import { describe, expect, it } from 'vitest';
import type { InviteRecord, Store } from '../../../ports/store.js';
import { makeGroup, makeUsers, type StoreContext, uid } from './helpers.js';

async function invite(
  s: Store,
  workspace_id: string,
  created_by: string,
  patch: Partial<InviteRecord> = {},
): Promise<InviteRecord> {
  const i: InviteRecord = {
    code: uid('inv'),
    workspace_id,
    created_by,
    expires_at: Date.now() + 60_000,
    max_uses: null,
    uses: 0,
    ...patch,
  };
  await s.createInvite(i);
  return i;
}

export function workspaceTests(ctx: StoreContext): void {
  describe('workspaces', () => {
    it('creates a workspace with its owner and lists it', async () => {
      const s = ctx.store();
      const [owner, other] = await makeUsers(s, 2);
      const id = uid('w');
      const w = await s.createWorkspace({ id, name: 'Acme', owner: owner! });
      expect(w).toMatchObject({ id, name: 'Acme', role: 'owner' });
      expect(await s.getWorkspace(id)).toMatchObject({
        id,
        name: 'Acme',
        created_at: w.created_at,
      });
      expect(await s.getWorkspace(uid('w'))).toBeNull();
      expect(await s.listWorkspaces(owner!)).toEqual([
        expect.objectContaining({ id, role: 'owner' }),
      ]);
      expect(await s.listWorkspaces(other!)).toEqual([]);
      expect(await s.getWorkspaceRole(id, owner!)).toBe('owner');
      expect(await s.getWorkspaceRole(id, other!)).toBeNull();
    });

    it('adds members without lowering roles; sets roles; removes members', async () => {
      const s = ctx.store();
      const [owner, a] = await makeUsers(s, 2);
      const id = uid('w');
      await s.createWorkspace({ id, name: 'W', owner: owner! });
      await s.addWorkspaceMember(id, a!, 'admin');
      await s.addWorkspaceMember(id, a!, 'member');
      expect(await s.getWorkspaceRole(id, a!)).toBe('admin');
      await s.addWorkspaceMember(id, owner!, 'member');
      expect(await s.getWorkspaceRole(id, owner!)).toBe('owner');
      await s.setWorkspaceRole(id, a!, 'member');
      expect(await s.getWorkspaceRole(id, a!)).toBe('member');
      const members = await s.listWorkspaceMembers(id);
      expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
        [
          [owner, 'owner'],
          [a, 'member'],
        ].sort(),
      );
      expect(members[0]?.user).not.toHaveProperty('password_hash');
      await s.removeWorkspaceMember(id, a!);
      expect(await s.getWorkspaceRole(id, a!)).toBeNull();
      expect(await s.listWorkspaces(a!)).toEqual([]);
    });

    it('counts invite uses and refuses used-up, expired and unknown codes', async () => {
      const s = ctx.store();
      const [owner] = await makeUsers(s, 1);
      const w = uid('w');
      await s.createWorkspace({ id: w, name: 'W', owner: owner! });
      const now = Date.now();
      const two = await invite(s, w, owner!, { max_uses: 2 });
      expect(await s.useInvite(two.code, now)).toMatchObject({ code: two.code, uses: 1 });
      expect(await s.useInvite(two.code, now)).toMatchObject({ uses: 2 });
      expect(await s.useInvite(two.code, now)).toBeNull();
      const unlimited = await invite(s, w, owner!);
      for (let i = 1; i <= 3; i++) {
        expect(await s.useInvite(unlimited.code, now)).toMatchObject({ uses: i });
      }
      const expiring = await invite(s, w, owner!, { expires_at: now + 1000 });
      expect(await s.useInvite(expiring.code, now + 1000)).toBeNull();
      expect(await s.useInvite(expiring.code, now + 999)).not.toBeNull();
      expect(await s.useInvite(uid('inv'), now)).toBeNull();
    });

    it('counts concurrent invite uses atomically', async () => {
      const s = ctx.store();
      const [owner] = await makeUsers(s, 1);
      const w = uid('w');
      await s.createWorkspace({ id: w, name: 'W', owner: owner! });
      const i = await invite(s, w, owner!, { max_uses: 3 });
      const got = await Promise.all(
        Array.from({ length: 10 }, () => s.useInvite(i.code, Date.now())),
      );
      expect(got.filter((r) => r !== null)).toHaveLength(3);
    });

    it('lists the channels a user may see', async () => {
      const s = ctx.store();
      const [owner, outsider] = await makeUsers(s, 2);
      const w = uid('w');
      await s.createWorkspace({ id: w, name: 'W', owner: owner! });
      await s.addWorkspaceMember(w, outsider!, 'member');
      const pub = await makeGroup(s, owner!, [], {
        kind: 'channel',
        workspace_id: w,
        is_public: true,
      });
      const priv = await makeGroup(s, owner!, [], { kind: 'channel', workspace_id: w });
      const group = await makeGroup(s, owner!, [outsider!]);
      const byOwner = await s.listChannels(w, owner!);
      expect(byOwner.map((c) => [c.conversation.id, c.member]).sort()).toEqual(
        [
          [pub, true],
          [priv, true],
        ].sort(),
      );
      const byOutsider = await s.listChannels(w, outsider!);
      expect(byOutsider.map((c) => [c.conversation.id, c.member])).toEqual([[pub, false]]);
      expect(byOutsider[0]?.conversation).toMatchObject({ kind: 'channel', is_public: true });
      expect(byOwner.some((c) => c.conversation.id === group)).toBe(false);
    });
  });
}
