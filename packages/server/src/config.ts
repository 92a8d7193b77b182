/**
 * Typed configuration, from (lowest to highest precedence) defaults, environment variables
 * (`PARLEY_*`) and command-line flags, validated once at start. Every setting is documented in
 * docs/operations.md.
 */
import path from 'node:path';
import { z } from 'zod';
import { COMMIT_LINGER_MS } from './adapters/store/sqlite/writer.js';
import { ClientIp } from './util/client-ip.js';

const int = (min: number, def: number) => z.coerce.number().int().min(min).default(def);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/**
 * Abuse limits (docs/security.md has the table and the reasoning). Rate limits of 0 are off.
 * Per-IP limits key on the client address (see `trustedProxies`).
 */
const LimitsSchema = {
  /** `memory:` (one process) or `redis://host:port` (shared by a cluster). */
  rateLimitUrl: z.string().default('memory:'),
  /** Addresses/CIDRs of proxies whose X-Forwarded-For is believed (comma-separated). */
  trustedProxies: z.string().default(''),
  /** New WebSocket connections per IP per second. */
  limitConnRatePerIp: int(0, 50),
  /** Open WebSocket connections per IP (per node). */
  limitConnPerIp: int(0, 256),
  /** Open WebSocket connections per account (per node). */
  limitConnPerAccount: int(0, 32),
  /** Frames per connection per second (token bucket refill) and its burst. */
  limitFramesPerConn: int(0, 50),
  limitFramesBurstPerConn: int(0, 500),
  /** Message writes (send, edit, delete, react) per account per second, and the burst. */
  limitMsgsPerAccount: int(0, 100),
  limitMsgsBurstPerAccount: int(0, 1000),
  /** Refused frames in a row after which the socket is closed (4029 rate_limit_exceeded). */
  limitFloodStrikes: int(1, 100),
  /** Invalid frames on one socket before it is closed (4102 too_many_errors). */
  limitWsMaxErrors: int(1, 50),
  /** HTTP requests per IP per minute, by route class. */
  limitHttpAuthPerMin: int(0, 120),
  limitHttpWritePerMin: int(0, 1200),
  limitHttpReadPerMin: int(0, 3000),
  /** Account registrations per IP per hour. */
  limitRegisterPerIpPerHour: int(0, 200),
  /** Sign-in attempts per IP per minute. */
  limitLoginPerIpPerMin: int(0, 60),
  /** Failed sign-ins of one account before back-off (1 s, doubling, up to the max). */
  limitLoginFreeFailures: int(1, 5),
  limitLoginBackoffMaxS: int(1, 900),
  /** Deepest JSON nesting accepted in a frame or request body (checked before parsing). */
  limitJsonDepth: int(2, 16),
  /** An unauthenticated socket that sends nothing for this long is closed (4003). */
  limitUnauthIdleMs: int(100, 5000),
  /** HTTP: all request headers (and a WebSocket handshake) must arrive within this time. */
  limitHttpHeadersTimeoutMs: int(100, 10_000),
  /** HTTP: the whole request, body included, must arrive within this time. */
  limitHttpRequestTimeoutMs: int(100, 30_000),
};

/** OpenID Connect sign-in (off unless issuer and client id are set). */
const OidcSchema = {
  oidcIssuer: z.url().optional(),
  oidcClientId: z.string().optional(),
  oidcClientSecret: z.string().optional(),
  /** The callback URL registered at the provider (default `<publicUrl>/v1/auth/oidc/callback`). */
  oidcRedirectUrl: z.url().optional(),
  oidcScopes: z.string().default('openid email profile'),
  /** Allow an `http:` issuer (tests and local development only). */
  oidcAllowHttp: bool.default(false),
  /** Usernames that are instance administrators (comma-separated): may disable accounts. */
  admins: z.string().default(''),
};

export const ConfigSchema = z.object({
  ...LimitsSchema,
  ...OidcSchema,
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where the embedded store and generated keys live. */
  dataDir: z.string().min(1).default('./parley-data'),
  /** `sqlite:<path>` (default `sqlite:<dataDir>/parley.db`). */
  databaseUrl: z.string().optional(),
  /** PostgreSQL: connections per database pool of this node (default 10). */
  databasePoolMax: z.coerce.number().int().min(1).max(1000).optional(),
  /** `memory:` (default) or `nats://host:port`. */
  busUrl: z.string().default('memory:'),
  /** PEM files: when both are set, HTTPS with HTTP/2 (ALPN h2, HTTP/1.1 still accepted). */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** Ed25519 private key as a JWK JSON string; default: generated once into <dataDir>/keys. */
  jwtPrivateKey: z.string().optional(),
  accessTokenTtlS: z.coerce.number().int().min(30).max(86400).default(900),
  refreshTokenTtlS: z.coerce
    .number()
    .int()
    .min(3600)
    .default(30 * 86400),
  /** WebSocket: per-socket send buffer cap in bytes; a client above it is disconnected (4008). */
  sendBufferBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(8 * 1024 * 1024),
  heartbeatMs: z.coerce.number().int().min(1000).default(25_000),
  /** Appends waiting for a commit at most; past it, changes get a retryable `unavailable`. */
  maxInFlightAppends: z.coerce.number().int().min(1).default(1024),
  /**
   * SQLite: the longest a commit may wait for more appends (two mean gaps, at least 2 ms), while
   * appends from different senders arrive closer together than this, in ms (0: never wait).
   * ADR 0010, 0011, 0017.
   */
  commitLingerMs: z.coerce.number().min(0).max(50).default(COMMIT_LINGER_MS),
  authTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** Seconds to wait for clients to go on SIGTERM before the process exits. */
  drainTimeoutS: z.coerce.number().min(0).default(10),
  /** Directory of the built web app, served at `/` (default: the @parley/web build, if any). */
  webDir: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public URL printed at start and used in invite links (default from host/port). */
  publicUrl: z.string().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

const ENV: Record<keyof Config, string> = {
  host: 'PARLEY_HOST',
  port: 'PARLEY_PORT',
  dataDir: 'PARLEY_DATA_DIR',
  databaseUrl: 'PARLEY_DATABASE_URL',
  databasePoolMax: 'PARLEY_DATABASE_POOL_MAX',
  busUrl: 'PARLEY_BUS_URL',
  tlsCert: 'PARLEY_TLS_CERT',
  tlsKey: 'PARLEY_TLS_KEY',
  jwtPrivateKey: 'PARLEY_JWT_PRIVATE_KEY',
  accessTokenTtlS: 'PARLEY_ACCESS_TOKEN_TTL_S',
  refreshTokenTtlS: 'PARLEY_REFRESH_TOKEN_TTL_S',
  sendBufferBytes: 'PARLEY_SEND_BUFFER_BYTES',
  heartbeatMs: 'PARLEY_HEARTBEAT_MS',
  maxInFlightAppends: 'PARLEY_MAX_INFLIGHT_APPENDS',
  commitLingerMs: 'PARLEY_COMMIT_LINGER_MS',
  authTimeoutMs: 'PARLEY_AUTH_TIMEOUT_MS',
  drainTimeoutS: 'PARLEY_DRAIN_TIMEOUT_S',
  webDir: 'PARLEY_WEB_DIR',
  logLevel: 'PARLEY_LOG_LEVEL',
  publicUrl: 'PARLEY_PUBLIC_URL',
  rateLimitUrl: 'PARLEY_RATELIMIT_URL',
  trustedProxies: 'PARLEY_TRUSTED_PROXIES',
  limitConnRatePerIp: 'PARLEY_LIMIT_CONN_RATE_PER_IP',
  limitConnPerIp: 'PARLEY_LIMIT_CONN_PER_IP',
  limitConnPerAccount: 'PARLEY_LIMIT_CONN_PER_ACCOUNT',
  limitFramesPerConn: 'PARLEY_LIMIT_FRAMES_PER_CONN',
  limitFramesBurstPerConn: 'PARLEY_LIMIT_FRAMES_BURST_PER_CONN',
  limitMsgsPerAccount: 'PARLEY_LIMIT_MSGS_PER_ACCOUNT',
  limitMsgsBurstPerAccount: 'PARLEY_LIMIT_MSGS_BURST_PER_ACCOUNT',
  limitFloodStrikes: 'PARLEY_LIMIT_FLOOD_STRIKES',
  limitWsMaxErrors: 'PARLEY_LIMIT_WS_MAX_ERRORS',
  limitHttpAuthPerMin: 'PARLEY_LIMIT_HTTP_AUTH_PER_MIN',
  limitHttpWritePerMin: 'PARLEY_LIMIT_HTTP_WRITE_PER_MIN',
  limitHttpReadPerMin: 'PARLEY_LIMIT_HTTP_READ_PER_MIN',
  limitRegisterPerIpPerHour: 'PARLEY_LIMIT_REGISTER_PER_IP_PER_HOUR',
  limitLoginPerIpPerMin: 'PARLEY_LIMIT_LOGIN_PER_IP_PER_MIN',
  limitLoginFreeFailures: 'PARLEY_LIMIT_LOGIN_FREE_FAILURES',
  limitLoginBackoffMaxS: 'PARLEY_LIMIT_LOGIN_BACKOFF_MAX_S',
  limitJsonDepth: 'PARLEY_LIMIT_JSON_DEPTH',
  limitUnauthIdleMs: 'PARLEY_LIMIT_UNAUTH_IDLE_MS',
  limitHttpHeadersTimeoutMs: 'PARLEY_LIMIT_HTTP_HEADERS_TIMEOUT_MS',
  limitHttpRequestTimeoutMs: 'PARLEY_LIMIT_HTTP_REQUEST_TIMEOUT_MS',
  oidcIssuer: 'PARLEY_OIDC_ISSUER',
  oidcClientId: 'PARLEY_OIDC_CLIENT_ID',
  oidcClientSecret: 'PARLEY_OIDC_CLIENT_SECRET',
  oidcRedirectUrl: 'PARLEY_OIDC_REDIRECT_URL',
  oidcScopes: 'PARLEY_OIDC_SCOPES',
  oidcAllowHttp: 'PARLEY_OIDC_ALLOW_HTTP',
  admins: 'PARLEY_ADMINS',
};

/** The environment variable of each setting (for --help and the docs). */
export const CONFIG_ENV = ENV;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Builds the config from env and explicit values (flags win); throws ConfigError when invalid. */
export function loadConfig(
  flags: Partial<Record<keyof Config, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  for (const [key, v] of Object.entries(flags)) if (v !== undefined) raw[key] = v;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => `${ENV[i.path[0] as keyof Config] ?? i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${msg}`);
  }
  const c = parsed.data;
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey)) {
    throw new ConfigError('invalid configuration: set both PARLEY_TLS_CERT and PARLEY_TLS_KEY');
  }
  if (c.limitHttpHeadersTimeoutMs > c.limitHttpRequestTimeoutMs) {
    throw new ConfigError(
      'invalid configuration: PARLEY_LIMIT_HTTP_HEADERS_TIMEOUT_MS must not exceed PARLEY_LIMIT_HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  if (Boolean(c.oidcIssuer) !== Boolean(c.oidcClientId)) {
    throw new ConfigError(
      'invalid configuration: set both PARLEY_OIDC_ISSUER and PARLEY_OIDC_CLIENT_ID',
    );
  }
  try {
    ClientIp.parse(c.trustedProxies);
  } catch (e) {
    throw new ConfigError(`invalid configuration: PARLEY_TRUSTED_PROXIES: ${(e as Error).message}`);
  }
  c.dataDir = path.resolve(c.dataDir);
  if (!c.databaseUrl) c.databaseUrl = `sqlite:${path.join(c.dataDir, 'parley.db')}`;
  return c;
}
