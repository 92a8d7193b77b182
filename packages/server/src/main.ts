/**
 * The composition root: picks adapters from the configuration's URLs, wires the services, the
 * HTTP API and the WebSocket gateway, and starts listening. Nothing else constructs services.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { MemoryBus } from './adapters/bus/memory.js';
import { NatsBus } from './adapters/bus/nats.js';
import { MemoryRateLimit } from './adapters/ratelimit/memory.js';
import { RedisRateLimit } from './adapters/ratelimit/redis.js';
import { PostgresStore } from './adapters/store/postgres/index.js';
import { ShardedStore } from './adapters/store/sharded/index.js';
import { SqliteStore } from './adapters/store/sqlite/index.js';
import type { Config } from './config.js';
import { catchUpAfterBusOutages } from './gateway/catchup.js';
import { Gateway } from './gateway/gateway.js';
import { buildHttp } from './http/app.js';
import { Metrics } from './metrics.js';
import type { Bus } from './ports/bus.js';
import type { RateLimitBackend } from './ports/ratelimit.js';
import type { Store } from './ports/store.js';
import { AuthService } from './services/auth.js';
import { ConversationService } from './services/conversations.js';
import { buildLimits, SignInGuard } from './services/limits.js';
import { MessageService } from './services/messages.js';
import { OidcService } from './services/oidc.js';
import { PresenceService } from './services/presence.js';
import { RealtimePublisher } from './services/realtime.js';
import { SyncService, type SyncSource, singleShard } from './services/sync.js';
import { TokenService } from './services/tokens.js';
import { WorkspaceService } from './services/workspaces.js';
import { ClientIp } from './util/client-ip.js';
import { normalizeUsername } from './util/text.js';

export interface Parley {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  store: Store;
  bus: Bus;
  auth: AuthService;
  metrics: Metrics;
  /** Every HTTP route registered, as `METHOD /path` (the authorization matrix test uses it). */
  routes: string[];
  /** Graceful: refuse new sockets, tell clients to reconnect, flush, close everything. */
  close(): Promise<void>;
}

/** Opens the store named by the database URL (`sqlite:<path>` or `postgres://...`). */
export async function openStore(
  url: string,
  poolMax?: number,
  commitLingerMs?: number,
): Promise<Store> {
  const pool = poolMax === undefined ? undefined : { max: poolMax };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const store = new SqliteStore(
      commitLingerMs === undefined ? { path: file } : { path: file, commitLingerMs },
    );
    await store.migrate();
    return store;
  }
  const urls = url.split(/[\s,]+/).filter((u) => u.length > 0);
  if (urls.length > 1) {
    // A list: the directory database first, then the conversation shards (append only).
    if (!urls.every((u) => /^postgres(ql)?:\/\//.test(u))) {
      throw new Error('a sharded PARLEY_DATABASE_URL lists postgres:// URLs only');
    }
    const store = new ShardedStore({ directory: urls[0]!, shards: urls.slice(1), pool });
    await store.migrate();
    return store;
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const store = new PostgresStore({ url, pool });
    await store.migrate();
    return store;
  }
  throw new Error(
    `unsupported PARLEY_DATABASE_URL: ${url.split(':')[0]}: (use sqlite:<path> or postgres://...)`,
  );
}

function shardedSource(store: ShardedStore): SyncSource {
  return {
    head: () => store.headVector(),
    async since(userId, from, limit) {
      const page = await store.changesSinceVector(userId, from, limit);
      return { events: page.events.map((e) => e.event), pos: page.pos, more: page.more };
    },
  };
}

/** Opens the bus named by the URL (`memory:` or `nats://host:port`). */
export async function openBus(url: string, log: Logger): Promise<Bus> {
  const onError = (err: unknown) => log.error({ err }, 'bus handler failed');
  if (url === 'memory:' || url === 'memory') return new MemoryBus({ onError });
  if (url.startsWith('nats://')) return NatsBus.connect(url, { onError });
  throw new Error(`unsupported PARLEY_BUS_URL: ${url} (use memory: or nats://host:port)`);
}

/** Opens the rate-limit backend named by the URL (`memory:` or `redis://host:port`). */
export async function openRateLimit(url: string, log: Logger): Promise<RateLimitBackend> {
  if (url === 'memory:' || url === 'memory') return new MemoryRateLimit();
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const backend = new RedisRateLimit({ url });
    if (!(await backend.ready(3000))) {
      log.warn('rate-limit store not reachable yet: limits are per node until it is');
    }
    return backend;
  }
  throw new Error(`unsupported PARLEY_RATELIMIT_URL: ${url} (use memory: or redis://host:port)`);
}

/** The built web app shipped with the server, if it was built. */
function defaultWebDir(): string | undefined {
  try {
    return path.resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)));
  } catch {
    return undefined;
  }
}

export async function startServer(config: Config, logger?: Logger): Promise<Parley> {
  const log = logger ?? pino({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(config.databaseUrl!, config.databasePoolMax, config.commitLingerMs);
  const bus = await openBus(config.busUrl, log);
  const metrics = new Metrics();
  if (store instanceof SqliteStore) {
    metrics.storeBatches.collect(() => {
      const b = store.appendCommits();
      return b
        ? [
            [{ where: 'inline' }, b.inline],
            [{ where: 'thread' }, b.thread],
          ]
        : [];
    });
  }
  const nodeId = randomBytes(6).toString('hex');

  const tokens = await TokenService.create({
    jwk: config.jwtPrivateKey,
    dataDir: config.dataDir,
    ttlS: config.accessTokenTtlS,
  });
  const rateLimit = await openRateLimit(config.rateLimitUrl, log);
  const limits = buildLimits(config, rateLimit);
  const clientIp = ClientIp.parse(config.trustedProxies);
  // On a cluster bus, events from several nodes may reach a socket out of stream order.
  const publisher = new RealtimePublisher(bus, { liveTokens: bus instanceof MemoryBus });
  const auth = new AuthService(store, tokens, {
    refreshTtlS: config.refreshTokenTtlS,
    onRevoke: (user, device) => publisher.revoke(user, device),
  });
  const workspaces = new WorkspaceService(store);
  const conversations = new ConversationService(store, workspaces, publisher);
  const messages = new MessageService(
    store,
    conversations,
    publisher,
    metrics,
    config.maxInFlightAppends,
  );
  const sync = new SyncService(
    store instanceof ShardedStore ? shardedSource(store) : singleShard(store),
  );
  const presence = new PresenceService(bus, store, nodeId);

  const gateway = new Gateway(
    {
      auth,
      conversations,
      messages,
      sync,
      presence,
      publisher,
      metrics,
      heartbeatMs: config.heartbeatMs,
      maxConnPerAccount: config.limitConnPerAccount,
      conversationIds: (u) => store.conversationIds(u),
    },
    bus,
    {
      sendBufferBytes: config.sendBufferBytes,
      heartbeatMs: config.heartbeatMs,
      authTimeoutMs: config.authTimeoutMs,
      maxErrors: config.limitWsMaxErrors,
      limits: {
        clientIp,
        connect: limits.wsConnect,
        messages: limits.messages,
        connPerIp: config.limitConnPerIp,
        framesPerS: config.limitFramesPerConn,
        framesBurst: Math.max(config.limitFramesBurstPerConn, config.limitFramesPerConn),
        floodStrikes: config.limitFloodStrikes,
        jsonDepth: config.limitJsonDepth,
        unauthIdleMs: config.limitUnauthIdleMs,
      },
    },
    log,
  );
  metrics.connections.collect(() => gateway.connections);
  const stopCatchUp = catchUpAfterBusOutages(bus, gateway, publisher, nodeId);

  let draining = false;
  const tls =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const admins = new Set(
    config.admins
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map((a) => normalizeUsername(a)),
  );
  const guard = new SignInGuard(limits, {
    freeFailures: config.limitLoginFreeFailures,
    maxBackoffS: config.limitLoginBackoffMaxS,
  });
  let url = '';
  const oidc =
    config.oidcIssuer && config.oidcClientId
      ? new OidcService(store, auth, {
          issuer: config.oidcIssuer,
          clientId: config.oidcClientId,
          clientSecret: config.oidcClientSecret,
          redirectUrl: () => config.oidcRedirectUrl ?? `${url}/v1/auth/oidc/callback`,
          scopes: config.oidcScopes,
          allowHttp: config.oidcAllowHttp,
        })
      : undefined;
  const routes: string[] = [];
  const app = await buildHttp(
    { store, auth, workspaces, conversations, messages, presence, metrics, guard, admins },
    {
      logger: log,
      limits: { limits, clientIp, jsonDepth: config.limitJsonDepth },
      headersTimeoutMs: config.limitHttpHeadersTimeoutMs,
      requestTimeoutMs: config.limitHttpRequestTimeoutMs,
      oidc: oidc && {
        service: oidc,
        secureCookie: (config.publicUrl ?? '').startsWith('https:') || Boolean(config.tlsCert),
      },
      onRoute: (method, path) => routes.push(`${method} ${path}`),
      tls,
      webDir: config.webDir ?? defaultWebDir(),
      ready: async () => {
        if (draining) return false;
        await store.ping();
        return bus.status().connected;
      },
    },
  );
  app.server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '';
    if (url === '/v1/ws' || url.startsWith('/v1/ws?')) gateway.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  // Keep-alive connections and HTTP/2 sessions outlive requests: on shutdown they are cut
  // instead of holding the process until their idle timeout.
  const sockets = new Set<import('node:net').Socket>();
  const track = (s: import('node:net').Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  app.server.on('connection', track);
  app.server.on('secureConnection', track);
  await app.listen({ host: config.host, port: config.port });
  const port = (app.server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  url = config.publicUrl ?? `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      await gateway.drain(config.drainTimeoutS * 1000);
      gateway.close();
      const cut = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 500);
      await app.close();
      clearTimeout(cut);
      presence.close();
      stopCatchUp();
      await bus.close();
      await rateLimit.close();
      await store.close();
    })();
    return closing;
  };
  return { url, port, store, bus, auth, metrics, routes, close };
}
