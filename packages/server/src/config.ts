/**
 * Typed configuration, from (lowest to highest precedence) defaults, environment variables
 * (`PARLEY_*`) and command-line flags, validated once at start. Every setting is documented in
 * docs/operations.md.
 */
import path from 'node:path';
import { z } from 'zod';

export const ConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where the embedded store and generated keys live. */
  dataDir: z.string().min(1).default('./parley-data'),
  /** `sqlite:<path>` (default `sqlite:<dataDir>/parley.db`). */
  databaseUrl: z.string().optional(),
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
  busUrl: 'PARLEY_BUS_URL',
  tlsCert: 'PARLEY_TLS_CERT',
  tlsKey: 'PARLEY_TLS_KEY',
  jwtPrivateKey: 'PARLEY_JWT_PRIVATE_KEY',
  accessTokenTtlS: 'PARLEY_ACCESS_TOKEN_TTL_S',
  refreshTokenTtlS: 'PARLEY_REFRESH_TOKEN_TTL_S',
  sendBufferBytes: 'PARLEY_SEND_BUFFER_BYTES',
  heartbeatMs: 'PARLEY_HEARTBEAT_MS',
  authTimeoutMs: 'PARLEY_AUTH_TIMEOUT_MS',
  drainTimeoutS: 'PARLEY_DRAIN_TIMEOUT_S',
  webDir: 'PARLEY_WEB_DIR',
  logLevel: 'PARLEY_LOG_LEVEL',
  publicUrl: 'PARLEY_PUBLIC_URL',
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
  c.dataDir = path.resolve(c.dataDir);
  if (!c.databaseUrl) c.databaseUrl = `sqlite:${path.join(c.dataDir, 'parley.db')}`;
  return c;
}
