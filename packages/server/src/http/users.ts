import { ParleyError, type PresenceList, UpdateMeBody, type UserList } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import { publicUser } from '../services/auth.js';
import { cleanName } from '../util/text.js';
import type { Services } from './app.js';
import { caller, param, parse } from './common.js';

export function userRoutes(app: FastifyInstance, svc: Services): void {
  const auth = { preHandler: svc.requireAuth };
  app.get('/v1/me', auth, async (req) => {
    const u = await svc.store.getUser(caller(req).sub);
    if (!u) throw new ParleyError('unauthenticated');
    return publicUser(u);
  });
  app.patch('/v1/me', auth, async (req) => {
    const { display_name } = parse(UpdateMeBody, req.body);
    const me = caller(req).sub;
    await svc.store.updateUser(me, { display_name: cleanName(display_name) });
    const u = await svc.store.getUser(me);
    return publicUser(u!);
  });
  app.get('/v1/users', auth, async (req): Promise<UserList> => {
    const q = String((req.query as { q?: unknown }).q ?? '').trim();
    if (q.length === 0 || q.length > 64) return { users: [] };
    return { users: await svc.store.searchUsers(q, 20) };
  });
  app.get('/v1/users/:id', auth, async (req) => {
    const u = await svc.store.getUser(param(req, 'id'));
    if (!u) throw new ParleyError('not_found', 'no such user');
    return publicUser(u);
  });
  app.get('/v1/presence', auth, async (req): Promise<PresenceList> => {
    const users = String((req.query as { users?: unknown }).users ?? '')
      .split(',')
      .filter((u) => u.length > 0 && u.length <= 64)
      .slice(0, 200);
    return svc.presence.list(users);
  });
}
