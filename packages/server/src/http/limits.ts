import { ParleyError } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce, type Limits, type RouteClass } from '../services/limits.js';
import type { ClientIp } from '../util/client-ip.js';
import { jsonTooDeep } from '../util/json-depth.js';

export interface HttpLimitOptions {
  limits: Limits;
  clientIp: ClientIp;
  /** Deepest JSON nesting accepted in a body. */
  jsonDepth: number;
}

/** Routes never rate limited: health checks and metrics come from the infrastructure. */
const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics']);

export function routeClass(method: string, url: string): RouteClass {
  if (url.startsWith('/v1/auth/')) return 'auth';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/** The client address of a request (trusted proxies applied); set by `installLimits`. */
export function clientIpOf(req: FastifyRequest): string {
  return (req as FastifyRequest & { clientIp?: string }).clientIp ?? req.ip;
}

/**
 * Per-IP request limits by route class, answered with 429 `rate_limited` and Retry-After; and a
 * JSON body parser that refuses deep nesting (`frame_too_deep`) before parsing.
 */
export function installLimits(app: FastifyInstance, o: HttpLimitOptions): void {
  app.decorateRequest('clientIp', '');
  app.addHook('onRequest', async (req) => {
    const ip = o.clientIp.resolve(req.raw.socket.remoteAddress, req.headers['x-forwarded-for']);
    (req as FastifyRequest & { clientIp: string }).clientIp = ip;
    const url = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
    if (UNLIMITED.has(url)) return;
    await enforce(o.limits.http[routeClass(req.method, url)], ip);
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonTooDeep(body as string, o.jsonDepth)) {
      done(new ParleyError('frame_too_deep'), undefined);
      return;
    }
    parseJson(req, body as string, done);
  });
}
