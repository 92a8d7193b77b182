import { ParleyError } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from './app.js';
import { caller, noContent, param } from './common.js';

/**
 * Instance administration. Administrators are the usernames listed in `PARLEY_ADMINS`; for
 * anyone else these routes answer 403 `forbidden`.
 */
export function adminRoutes(app: FastifyInstance, svc: Services): void {
  const requireAdmin = async (req: FastifyRequest): Promise<void> => {
    await svc.requireAuth(req);
    const me = await svc.store.getUser(caller(req).sub);
    if (!me || me.disabled || !svc.admins.has(me.username)) throw new ParleyError('forbidden');
  };
  const admin = { preHandler: requireAdmin };
  // Disabling signs the account out everywhere: refresh tokens deleted, sockets closed (4103).
  app.post('/v1/admin/users/:id/disable', admin, async (req, reply) => {
    await svc.auth.disable(param(req, 'id'));
    return noContent(reply);
  });
  app.post('/v1/admin/users/:id/enable', admin, async (req, reply) => {
    await svc.auth.enable(param(req, 'id'));
    return noContent(reply);
  });
}
