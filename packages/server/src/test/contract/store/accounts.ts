import { describe, expect, it } from 'vitest';
import type { RefreshTokenRecord, Store } from '../../../ports/store.js';
import { expectCode, makeUsers, type StoreContext, uid } from './helpers.js';

async function token(
  s: Store,
  user_id: string,
  device_id: string,
  family: string,
  expires_at = Date.now() + 60_000,
): Promise<RefreshTokenRecord> {
  const t = { hash: uid('h'), user_id, device_id, family, expires_at };
  await s.putRefreshToken(t);
  return t;
}

export function accountTests(ctx: StoreContext): void {
  describe('schema', () => {
    it('migrate is idempotent and ping answers', async () => {
      const s = ctx.store();
      await s.migrate();
      await s.migrate();
      await expect(s.ping()).resolves.toBeUndefined();
    });
  });

  describe('users', () => {
    it('creates and reads users by id and username', async () => {
      const s = ctx.store();
      const id = uid('u');
      const name = uid('alice');
      const u = await s.createUser({
        id,
        username: name,
        display_name: 'Alice',
        password_hash: 'x',
      });
      expect(u).toMatchObject({ id, username: name, display_name: 'Alice', disabled: false });
      expect(typeof u.created_at).toBe('number');
      expect(await s.getUser(id)).toEqual(u);
      expect(await s.getUserByUsername(name)).toEqual(u);
      expect(await s.getUser(uid('nobody'))).toBeNull();
      expect(await s.getUserByUsername(uid('nobody'))).toBeNull();
    });

    it('rejects a taken username with username_taken', async () => {
      const s = ctx.store();
      const name = uid('bob');
      await s.createUser({ id: uid('u'), username: name, display_name: 'B', password_hash: null });
      await expectCode(
        s.createUser({ id: uid('u'), username: name, display_name: 'B2', password_hash: null }),
        'username_taken',
      );
    });

    it('gets many users and updates them', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const got = await s.getUsers([a!, b!, uid('missing')]);
      expect(got.map((u) => u.id).sort()).toEqual([a, b].sort());
      expect(await s.getUsers([])).toEqual([]);
      await s.updateUser(a!, { display_name: 'Renamed' });
      await s.updateUser(b!, { disabled: true });
      expect(await s.getUser(a!)).toMatchObject({ display_name: 'Renamed', disabled: false });
      expect(await s.getUser(b!)).toMatchObject({ display_name: 'User 1', disabled: true });
    });

    it('searches username and display name case-insensitively, % and _ literal', async () => {
      const s = ctx.store();
      const tag = uid('q').toLowerCase();
      const mk = (username: string, display_name: string) =>
        s.createUser({ id: uid('u'), username, display_name, password_hash: null });
      await mk(`${tag}_under`, 'Plain');
      await mk(`${tag}xunder`, 'Plain');
      await mk(uid('other'), `Display ${tag.toUpperCase()} Pct%`);
      const byTag = await s.searchUsers(tag.toUpperCase(), 10);
      expect(byTag).toHaveLength(3);
      const under = await s.searchUsers(`${tag}_`, 10);
      expect(under.map((u) => u.username)).toEqual([`${tag}_under`]);
      const pct = await s.searchUsers(`${tag} pct%`, 10);
      expect(pct).toHaveLength(1);
      expect(await s.searchUsers(tag, 2)).toHaveLength(2);
      expect(await s.searchUsers(`${tag}%`, 10)).toHaveLength(0);
    });
  });

  describe('devices and refresh tokens', () => {
    it('creates, reads and revokes devices; revoking deletes their tokens', async () => {
      const s = ctx.store();
      const [u] = await makeUsers(s, 1);
      const d = await s.createDevice({ id: uid('d'), user_id: u!, name: 'Phone' });
      expect(d).toMatchObject({ user_id: u, name: 'Phone', revoked_at: null });
      expect(await s.getDevice(d.id)).toEqual(d);
      expect(await s.getDevice(uid('d'))).toBeNull();
      const t = await token(s, u!, d.id, uid('f'));
      await s.revokeDevice(d.id);
      expect((await s.getDevice(d.id))?.revoked_at).toEqual(expect.any(Number));
      expect(await s.useRefreshToken(t.hash, Date.now())).toEqual({ status: 'invalid' });
    });

    it('revokes all devices of a user', async () => {
      const s = ctx.store();
      const [u, other] = await makeUsers(s, 2);
      const d1 = await s.createDevice({ id: uid('d'), user_id: u!, name: 'a' });
      const d2 = await s.createDevice({ id: uid('d'), user_id: u!, name: 'b' });
      const d3 = await s.createDevice({ id: uid('d'), user_id: other!, name: 'c' });
      const t = await token(s, u!, d1.id, uid('f'));
      const t3 = await token(s, other!, d3.id, uid('f'));
      expect((await s.revokeAllDevices(u!)).sort()).toEqual([d1.id, d2.id].sort());
      expect((await s.getDevice(d2.id))?.revoked_at).not.toBeNull();
      expect((await s.getDevice(d3.id))?.revoked_at).toBeNull();
      expect((await s.useRefreshToken(t.hash, Date.now())).status).toBe('invalid');
      expect((await s.useRefreshToken(t3.hash, Date.now())).status).toBe('ok');
    });

    it('uses a token once; reuse revokes the whole family', async () => {
      const s = ctx.store();
      const [u] = await makeUsers(s, 1);
      const d = await s.createDevice({ id: uid('d'), user_id: u!, name: 'x' });
      const family = uid('f');
      const t1 = await token(s, u!, d.id, family);
      const now = Date.now();
      expect(await s.useRefreshToken(t1.hash, now)).toEqual({ status: 'ok', token: t1 });
      const t2 = await token(s, u!, d.id, family);
      const other = await token(s, u!, d.id, uid('f'));
      expect(await s.useRefreshToken(t1.hash, now)).toEqual({ status: 'reused', token: t1 });
      expect(await s.useRefreshToken(t2.hash, now)).toEqual({ status: 'invalid' });
      expect((await s.useRefreshToken(other.hash, now)).status).toBe('ok');
    });

    it('consumes a token atomically under concurrent use', async () => {
      const s = ctx.store();
      const [u] = await makeUsers(s, 1);
      const d = await s.createDevice({ id: uid('d'), user_id: u!, name: 'x' });
      const t = await token(s, u!, d.id, uid('f'));
      const results = await Promise.all(
        Array.from({ length: 5 }, () => s.useRefreshToken(t.hash, Date.now())),
      );
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'reused')).toHaveLength(4);
    });

    it('rejects unknown, expired and revoked-family tokens as invalid', async () => {
      const s = ctx.store();
      const [u] = await makeUsers(s, 1);
      const d = await s.createDevice({ id: uid('d'), user_id: u!, name: 'x' });
      const now = Date.now();
      expect(await s.useRefreshToken(uid('h'), now)).toEqual({ status: 'invalid' });
      const expired = await token(s, u!, d.id, uid('f'), now - 1);
      expect(await s.useRefreshToken(expired.hash, now)).toEqual({ status: 'invalid' });
      const family = uid('f');
      const t = await token(s, u!, d.id, family);
      await s.revokeFamily(family);
      expect(await s.useRefreshToken(t.hash, now)).toEqual({ status: 'invalid' });
    });
  });
}
