import { CreateInviteBody, CreateWorkspaceBody, SetRoleBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from './app.js';
import { caller, noContent, param, parse } from './common.js';

export function workspaceRoutes(app: FastifyInstance, svc: Services): void {
  const auth = { preHandler: svc.requireAuth };
  const ws = svc.workspaces;
  app.post('/v1/workspaces', auth, async (req, reply) => {
    const { name } = parse(CreateWorkspaceBody, req.body);
    const created = await ws.create(caller(req).sub, name);
    return reply.code(201).send({ ...created, role: 'owner' });
  });
  app.get('/v1/workspaces', auth, async (req) => ({ workspaces: await ws.list(caller(req).sub) }));
  app.get('/v1/workspaces/:id', auth, async (req) => ws.get(param(req, 'id'), caller(req).sub));
  app.get('/v1/workspaces/:id/members', auth, async (req) => ({
    members: await ws.members(param(req, 'id'), caller(req).sub),
  }));
  app.patch('/v1/workspaces/:id/members/:user', auth, async (req, reply) => {
    const { role } = parse(SetRoleBody, req.body);
    await ws.setRole(param(req, 'id'), caller(req).sub, param(req, 'user'), role);
    return noContent(reply);
  });
  app.delete('/v1/workspaces/:id/members/:user', auth, async (req, reply) => {
    await ws.remove(param(req, 'id'), caller(req).sub, param(req, 'user'));
    return noContent(reply);
  });
  app.post('/v1/workspaces/:id/invites', auth, async (req, reply) => {
    const body = parse(CreateInviteBody, req.body);
    return reply.code(201).send(await ws.createInvite(param(req, 'id'), caller(req).sub, body));
  });
  app.post('/v1/invites/:code/join', auth, async (req) =>
    ws.join(param(req, 'code'), caller(req).sub),
  );
  app.get('/v1/workspaces/:id/channels', auth, async (req) =>
    svc.conversations.channels(param(req, 'id'), caller(req).sub),
  );
}
