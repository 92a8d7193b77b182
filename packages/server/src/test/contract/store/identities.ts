import { describe, expect, it } from 'vitest';
import { expectCode, makeUsers, type StoreContext, uid } from './helpers.js';

export function identityTests(ctx: StoreContext): void {
  describe('external identities', () => {
    it('links (issuer, subject) once and finds it by subject and by verified email', async () => {
      const s = ctx.store();
      const [u1, u2] = await makeUsers(s, 2);
      const issuer = `https://${uid('idp')}.example`;
      const email = `${uid('m')}@example.com`;
      const link = await s.linkIdentity({ issuer, subject: 'sub-1', user_id: u1!, email });
      expect(link).toMatchObject({ issuer, subject: 'sub-1', user_id: u1, email });
      expect(await s.getIdentity(issuer, 'sub-1')).toEqual(link);
      expect(await s.getIdentity(issuer, 'sub-2')).toBeNull();
      expect(await s.getIdentity(`${issuer}/other`, 'sub-1')).toBeNull();
      await expectCode(
        s.linkIdentity({ issuer, subject: 'sub-1', user_id: u2!, email: null }),
        'conflict',
      );
      await s.linkIdentity({ issuer: `${issuer}/2`, subject: 'x', user_id: u1!, email });
      expect((await s.findIdentityByEmail(email))?.issuer).toBe(issuer);
      expect(await s.findIdentityByEmail(`${uid('none')}@example.com`)).toBeNull();
    });
  });

  describe('tickets', () => {
    it('hands a ticket out once, only with its kind and before it expires', async () => {
      const s = ctx.store();
      const now = Date.now();
      const id = uid('t');
      await s.putTicket({ id, kind: 'oidc', data: '{"a":1}', expires_at: now + 60_000 });
      await expectCode(
        s.putTicket({ id, kind: 'oidc', data: 'again', expires_at: now + 60_000 }),
        'conflict',
      );
      expect(await s.takeTicket(id, 'other', now)).toBeNull();
      expect(await s.takeTicket(id, 'oidc', now)).toBe('{"a":1}');
      expect(await s.takeTicket(id, 'oidc', now)).toBeNull();
      const old = uid('t');
      await s.putTicket({ id: old, kind: 'oidc', data: 'x', expires_at: now + 1000 });
      expect(await s.takeTicket(old, 'oidc', now + 1000)).toBeNull();
      const both = [uid('t'), uid('t')];
      for (const t of both)
        await s.putTicket({ id: t, kind: 'k', data: t, expires_at: now + 5000 });
      const taken = await Promise.all([
        s.takeTicket(both[0]!, 'k', now),
        s.takeTicket(both[0]!, 'k', now),
        s.takeTicket(both[1]!, 'k', now),
      ]);
      expect(taken.filter((x) => x === both[0])).toHaveLength(1);
      expect(taken[2]).toBe(both[1]);
    });
  });
}
