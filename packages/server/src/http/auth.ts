import { LoginBody, ParleyError, RefreshBody, RegisterBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from './app.js';
import { caller, noContent, parse } from './common.js';
import { clientIpOf } from './limits.js';

/** The key of an account for sign-in back-off: the normalized name when it is one. */
function accountKey(username: string): string {
  return username.normalize('NFC').trim().toLowerCase().slice(0, 64);
}

export function authRoutes(app: FastifyInstance, svc: Services): void {
  app.post('/v1/auth/register', async (req, reply) => {
    const body = parse(RegisterBody, req.body);
    await svc.guard.beforeRegister(clientIpOf(req));
    const session = await svc.auth.register(body);
    return reply.code(201).send(session);
  });
  app.post('/v1/auth/login', async (req) => {
    const body = parse(LoginBody, req.body);
    const account = accountKey(body.username);
    await svc.guard.beforeLogin(clientIpOf(req), account);
    try {
      const session = await svc.auth.login(body);
      await svc.guard.succeeded(account);
      return session;
    } catch (e) {
      if (e instanceof ParleyError && e.code === 'invalid_credentials') {
        await svc.guard.failed(account);
      }
      throw e;
    }
  });
  app.post('/v1/auth/refresh', async (req) =>
    svc.auth.refresh(parse(RefreshBody, req.body).refresh_token),
  );
  app.post('/v1/auth/logout', { preHandler: svc.requireAuth }, async (req, reply) => {
    await svc.auth.logout(caller(req));
    return noContent(reply);
  });
  app.post('/v1/auth/logout-all', { preHandler: svc.requireAuth }, async (req, reply) => {
    await svc.auth.logoutAll(caller(req).sub);
    return noContent(reply);
  });
}
