import { LoginBody, RefreshBody, RegisterBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from './app.js';
import { caller, noContent, parse } from './common.js';

export function authRoutes(app: FastifyInstance, svc: Services): void {
  app.post('/v1/auth/register', async (req, reply) => {
    const session = await svc.auth.register(parse(RegisterBody, req.body));
    return reply.code(201).send(session);
  });
  app.post('/v1/auth/login', async (req) => svc.auth.login(parse(LoginBody, req.body)));
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
