import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { ParleyError } from '@parley/protocol';
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Store } from '../ports/store.js';
import type { AuthService } from '../services/auth.js';
import type { ConversationService } from '../services/conversations.js';
import type { SignInGuard } from '../services/limits.js';
import type { MessageService } from '../services/messages.js';
import type { PresenceService } from '../services/presence.js';
import type { WorkspaceService } from '../services/workspaces.js';
import { adminRoutes } from './admin.js';
import { authRoutes } from './auth.js';
import { conversationRoutes } from './conversations.js';
import { type HttpLimitOptions, installLimits } from './limits.js';
import { type OidcRoutesOptions, oidcRoutes } from './oidc.js';
import { userRoutes } from './users.js';
import { workspaceRoutes } from './workspaces.js';

/** What the routes use. */
export interface Services {
  store: Store;
  auth: AuthService;
  workspaces: WorkspaceService;
  conversations: ConversationService;
  messages: MessageService;
  presence: PresenceService;
  metrics: Metrics;
  guard: SignInGuard;
  /** Usernames of instance administrators. */
  admins: ReadonlySet<string>;
  requireAuth: (req: FastifyRequest) => Promise<void>;
}

export interface HttpOptions {
  logger: Logger;
  tls?: { key: Buffer; cert: Buffer } | undefined;
  webDir?: string | undefined;
  /** Health of dependencies for /readyz. */
  ready: () => Promise<boolean>;
  bodyLimit?: number;
  limits: HttpLimitOptions;
  /** Slow-header and slow-body deadlines of the HTTP server (ms). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  oidc?: OidcRoutesOptions | undefined;
  /** Called for every route registered (the authorization matrix test enumerates them). */
  onRoute?: (method: string, url: string) => void;
}

/** Builds the Fastify app: routes, errors in the registry's shape, health, metrics, web app. */
export async function buildHttp(
  svc: Omit<Services, 'requireAuth'>,
  opts: HttpOptions,
): Promise<FastifyInstance> {
  const base = {
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    trustProxy: false,
    requestTimeout: opts.requestTimeoutMs,
    connectionTimeout: 0,
    forceCloseConnections: true,
  };
  // Node checks the header/request deadlines every connectionsCheckingInterval (30 s by
  // default): check often enough that the deadlines hold to within a second.
  const timeouts = {
    headersTimeout: opts.headersTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, opts.headersTimeoutMs / 4)),
  };
  const app = (opts.tls
    ? Fastify({ ...base, http2: true, https: { allowHTTP1: true, ...opts.tls, ...timeouts } })
    : Fastify({ ...base, http: timeouts })) as unknown as FastifyInstance;
  const server = app.server as { headersTimeout?: number };
  server.headersTimeout = opts.headersTimeoutMs;
  if (opts.onRoute) {
    const report = opts.onRoute;
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) report(String(m), r.url);
    });
  }
  installLimits(app, opts.limits);

  const requireAuth = async (req: FastifyRequest): Promise<void> => {
    const h = req.headers.authorization;
    if (!h?.startsWith('Bearer ')) throw new ParleyError('unauthenticated');
    const claims = await svc.auth.authenticate(h.slice(7).trim());
    (req as FastifyRequest & { claims?: unknown }).claims = claims;
  };
  const services: Services = { ...svc, requireAuth };

  app.setErrorHandler((err, req, reply) => {
    let e: ParleyError;
    if (err instanceof ParleyError) e = err;
    else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new ParleyError('payload_too_large');
      else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
        e = new ParleyError('invalid_request', fe.message);
      } else {
        req.log.error({ err }, 'request failed');
        e = new ParleyError('internal');
      }
    }
    svc.metrics.errors.inc(1, { code: e.code });
    if (e.retryAfterMs !== undefined) {
      reply.header('retry-after', Math.ceil(e.retryAfterMs / 1000));
    }
    return reply.code(e.status).send(e.toBody());
  });
  app.addHook('onResponse', async (_req, reply) => {
    svc.metrics.httpRequests.inc(1, { status: String(reply.statusCode) });
  });

  authRoutes(app, services);
  userRoutes(app, services);
  workspaceRoutes(app, services);
  conversationRoutes(app, services);
  adminRoutes(app, services);
  oidcRoutes(app, services, opts.oidc);

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await opts.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ ok });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(svc.metrics.render()),
  );

  const webDir = opts.webDir;
  if (webDir && existsSync(path.join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false });
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/v1/')) {
        return reply.type('text/html').sendFile('index.html');
      }
      return reply.code(404).send(new ParleyError('not_found').toBody());
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><meta charset="utf-8"><title>Parley</title><p>Parley is running. The web app is not built; run <code>npm run build</code>.</p>',
        ),
    );
    app.setNotFoundHandler((_req, reply) =>
      reply.code(404).send(new ParleyError('not_found').toBody()),
    );
  }
  return app;
}
