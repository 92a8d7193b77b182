import {
  AddMemberBody,
  CreateConversationBody,
  HistoryQuery,
  MuteBody,
  ReadBody,
  SendMessageBody,
  type SendResult,
} from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from './app.js';
import { caller, noContent, param, parse } from './common.js';

export function conversationRoutes(app: FastifyInstance, svc: Services): void {
  const auth = { preHandler: svc.requireAuth };
  const convs = svc.conversations;
  app.post('/v1/conversations', auth, async (req, reply) => {
    const body = parse(CreateConversationBody, req.body);
    const { view, created } = await convs.create(caller(req).sub, body);
    return reply.code(created ? 201 : 200).send(view);
  });
  app.get('/v1/conversations', auth, async (req) => ({
    conversations: await convs.list(caller(req).sub),
  }));
  app.get('/v1/conversations/:id', auth, async (req) =>
    convs.view(param(req, 'id'), caller(req).sub),
  );
  app.get('/v1/conversations/:id/members', auth, async (req) => ({
    members: await convs.members(param(req, 'id'), caller(req).sub),
  }));
  app.post('/v1/conversations/:id/join', auth, async (req) =>
    convs.join(param(req, 'id'), caller(req).sub),
  );
  app.post('/v1/conversations/:id/members', auth, async (req, reply) => {
    const { user } = parse(AddMemberBody, req.body);
    await convs.addMember(param(req, 'id'), caller(req).sub, user);
    return noContent(reply);
  });
  app.delete('/v1/conversations/:id/members/:user', auth, async (req, reply) => {
    await convs.removeMember(param(req, 'id'), caller(req).sub, param(req, 'user'));
    return noContent(reply);
  });
  app.get('/v1/conversations/:id/events', auth, async (req) => {
    const q = parse(HistoryQuery, req.query);
    return svc.messages.history(caller(req).sub, param(req, 'id'), q);
  });
  app.post('/v1/conversations/:id/messages', auth, async (req, reply) => {
    const body = parse(SendMessageBody, req.body);
    const out = await svc.messages.send(caller(req).sub, { ...body, conv: param(req, 'id') });
    const res: SendResult = { message: out.message, dup: out.dup };
    return reply.code(out.dup ? 200 : 201).send(res);
  });
  app.post('/v1/conversations/:id/read', auth, async (req, reply) => {
    const { seq } = parse(ReadBody, req.body);
    await svc.messages.read(caller(req).sub, param(req, 'id'), seq);
    return noContent(reply);
  });
  app.put('/v1/conversations/:id/mute', auth, async (req, reply) => {
    const { muted } = parse(MuteBody, req.body);
    const id = param(req, 'id');
    await convs.requireMember(id, caller(req).sub);
    await svc.store.setMuted(id, caller(req).sub, muted);
    return noContent(reply);
  });
}
