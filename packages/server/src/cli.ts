/**
 * The `parley` command: start, migrate, user create. Flags override PARLEY_* environment
 * variables, which override the defaults (see docs/operations.md).
 */
import { parseArgs } from 'node:util';
import { ParleyError } from '@parley/protocol';
import { pino } from 'pino';
import { CONFIG_ENV, type Config, ConfigError, loadConfig } from './config.js';
import { openStore, startServer } from './main.js';
import { AuthService } from './services/auth.js';
import { TokenService } from './services/tokens.js';

const HELP = `parley — a self-hostable real-time chat server

Usage:
  parley start [options]           start the server (creates ./parley-data on first start)
  parley migrate [options]         create or upgrade the database schema, then exit
  parley user create <username> [--password P] [--display-name N]
                                   create an account (password from PARLEY_PASSWORD or --password)
  parley --help | --version

Options (each also as an environment variable):
  --host <addr>        ${CONFIG_ENV.host} (default 127.0.0.1)
  --port <n>           ${CONFIG_ENV.port} (default 8080; 0 picks a free port)
  --data-dir <dir>     ${CONFIG_ENV.dataDir} (default ./parley-data)
  --database-url <u>   ${CONFIG_ENV.databaseUrl} (default sqlite:<data-dir>/parley.db)
  --bus-url <u>        ${CONFIG_ENV.busUrl} (default memory:; or nats://host:4222)
  --tls-cert <file>    ${CONFIG_ENV.tlsCert} (PEM; with --tls-key: HTTPS, HTTP/2 + HTTP/1.1)
  --tls-key <file>     ${CONFIG_ENV.tlsKey}
  --log-level <lvl>    ${CONFIG_ENV.logLevel} (fatal|error|warn|info|debug|trace|silent)
  --public-url <url>   ${CONFIG_ENV.publicUrl} (the URL printed and used in invite links)
More settings are environment-only: see docs/operations.md.
`;

const FLAG_KEYS: Record<string, keyof Config> = {
  host: 'host',
  port: 'port',
  'data-dir': 'dataDir',
  'database-url': 'databaseUrl',
  'bus-url': 'busUrl',
  'tls-cert': 'tlsCert',
  'tls-key': 'tlsKey',
  'log-level': 'logLevel',
  'public-url': 'publicUrl',
};

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        password: { type: 'string' },
        'display-name': { type: 'string' },
        ...Object.fromEntries(Object.keys(FLAG_KEYS).map((k) => [k, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    process.stderr.write(`parley: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (values.version) {
    process.stdout.write('parley 0.1.0 (protocol 1)\n');
    return 0;
  }
  const flags: Partial<Record<keyof Config, unknown>> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    if (values[flag] !== undefined) flags[key] = values[flag];
  }
  let config: Config;
  try {
    config = loadConfig(flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`parley: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const [cmd, sub, arg] = positionals;
  switch (cmd) {
    case 'start':
      return start(config);
    case 'migrate': {
      const store = await openStore(config.databaseUrl!, config.databasePoolMax);
      await store.close();
      process.stdout.write(`migrated ${redact(config.databaseUrl!)}\n`);
      return 0;
    }
    case 'user': {
      if (sub !== 'create' || !arg) {
        process.stderr.write('usage: parley user create <username> [--password P]\n');
        return 2;
      }
      const password = (values.password as string | undefined) ?? process.env.PARLEY_PASSWORD;
      if (!password) {
        process.stderr.write('parley: give --password or set PARLEY_PASSWORD\n');
        return 2;
      }
      const store = await openStore(config.databaseUrl!, config.databasePoolMax);
      try {
        const tokens = await TokenService.create({
          jwk: config.jwtPrivateKey,
          dataDir: config.dataDir,
          ttlS: config.accessTokenTtlS,
        });
        const auth = new AuthService(store, tokens, {
          refreshTtlS: config.refreshTokenTtlS,
          onRevoke: () => {},
        });
        const name = values['display-name'] as string | undefined;
        const user = await auth.createUser(arg, password, name);
        process.stdout.write(`created user ${user.username} (${user.id})\n`);
        return 0;
      } catch (e) {
        if (e instanceof ParleyError) {
          process.stderr.write(`parley: ${e.code}: ${e.message}\n`);
          return 1;
        }
        throw e;
      } finally {
        await store.close();
      }
    }
    default:
      process.stderr.write(`parley: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

async function start(config: Config): Promise<number> {
  const log = pino({ level: config.logLevel });
  const server = await startServer(config, log);
  log.info({ url: server.url, dataDir: config.dataDir }, 'parley started');
  process.stdout.write(`\n  Parley is running: open ${server.url}\n\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    await server.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return new Promise<number>(() => {});
}
