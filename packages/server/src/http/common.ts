import { ParleyError } from '@parley/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AccessClaims } from '../services/tokens.js';

/** Validates a body or query with a protocol schema; a mismatch is `invalid_request`. */
export function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data ?? {});
  if (!r.success) {
    const detail = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new ParleyError('invalid_request', detail);
  }
  return r.data;
}

/** The authenticated caller, set by the auth hook of protected routes. */
export function caller(req: FastifyRequest): AccessClaims {
  const c = (req as FastifyRequest & { claims?: AccessClaims }).claims;
  if (!c) throw new ParleyError('unauthenticated');
  return c;
}

export function param(req: FastifyRequest, name: string): string {
  const v = (req.params as Record<string, string | undefined>)[name];
  if (!v || v.length > 64) throw new ParleyError('not_found');
  return v;
}

export function noContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}
