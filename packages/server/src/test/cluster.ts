/**
 * A Parley cluster on loopback for tests: Parley nodes as child processes, a NATS server and a
 * PostgreSQL instance of the test's own (so they can be stopped without touching the machine's
 * services), and HAProxy configured from `deploy/haproxy.cfg.in`. Every process is started with
 * a deadline and stopped by the test; a missing binary fails with how to install it.
 *
 * @example
 * const nats = await NatsServer.start();
 * const db = await createTestDatabase('cluster');
 * const nodes = await startNodes(3, { PARLEY_DATABASE_URL: db.url, PARLEY_BUS_URL: nats.url });
 * const lb = await Haproxy.start(nodes.map((n) => n.port));
 * // ... clients on lb.url ...
 * await lb.stop(); await Promise.all(nodes.map((n) => n.stop())); await nats.stop(); await db.drop();
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, type SpawnedServer, spawnServer, tempDir } from './harness.js';

const run = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const HAPROXY_TEMPLATE = path.join(ROOT, 'deploy/haproxy.cfg.in');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until cond() is true; throws naming `what` (and `detail()`) after the timeout. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
  detail?: () => string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) {
      const more = detail ? `: ${detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more}`);
    }
    await sleep(25);
  }
}

/** The first existing path, or an error that says how to get it. */
export function requireBinary(candidates: string[], install: string): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${path.basename(candidates[0]!)} not found: ${install}`);
  return found;
}

/** The compiled server (bin/parley.js imports dist/), or an error that says how to build it. */
export function requireBuiltServer(): void {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  if (!existsSync(cli)) {
    throw new Error('packages/server/dist is missing: build it with `npx tsc -b packages/server`');
  }
}

/** One Ed25519 private key as a JWK JSON string, for PARLEY_JWT_PRIVATE_KEY on every node. */
export function generateJwk(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}

async function waitPort(port: number, timeoutMs: number, what: string): Promise<void> {
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const sock = connect(port, '127.0.0.1');
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      }),
    what,
    timeoutMs,
  );
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited(proc);
  clearTimeout(timer);
}

const NATS_BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/**
 * A nats-server of the test's own, with JetStream, on a free loopback port. `stop()` and
 * `start()` again keep the port and the JetStream directory, as a restarted broker would.
 */
export class NatsServer {
  private proc: ChildProcess | null = null;
  private log = '';

  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<NatsServer> {
    const bin = requireBinary(
      NATS_BIN,
      'install it with `apt-get install -y nats-server` (Debian) or put the nats-server binary in /usr/local/bin',
    );
    const nats = new NatsServer(bin, await freePort(), tempDir('parley-nats-'));
    await nats.resume();
    return nats;
  }

  /** Starts the server again (after `stop()`), on the same port and store directory. */
  async resume(): Promise<void> {
    if (this.proc) return;
    const proc = spawn(
      this.bin,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr!.on('data', (d) => {
      this.log = (this.log + d).slice(-4000);
    });
    this.proc = proc;
    const died = exited(proc).then(() => {
      throw new Error(`nats-server exited: ${this.log}`);
    });
    await Promise.race([
      until(() => this.log.includes('Server is ready'), 'nats-server to be ready', 10_000),
      died,
    ]);
    died.catch(() => {});
  }

  /** Stops the server (SIGTERM). */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (proc) await stopProcess(proc);
  }

  /** Stops it and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const PG_HOWTO =
  'install PostgreSQL with `apt-get install -y postgresql` (the tests run initdb and pg_ctl from /usr/lib/postgresql/<version>/bin)';

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`pg_ctl not found: ${PG_HOWTO}`);
  return path.join(base, versions[0]!, 'bin');
}

/**
 * A PostgreSQL instance of the test's own (initdb in a temporary directory, trust auth, on a
 * free loopback port), so the test may stop and restart it. As root, initdb and pg_ctl run as
 * the `postgres` user. `destroy()` stops it and removes the directory.
 */
export class OwnPostgres {
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly asUser: boolean,
  ) {}

  /** URL of a database on this instance (default `postgres`). */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  static async start(): Promise<OwnPostgres> {
    const bin = pgBinDir();
    const dir = tempDir('parley-pg-');
    const asUser = process.getuid?.() === 0;
    if (asUser) {
      try {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const uid = Number(stdout.trim());
        const { stdout: g } = await run('id', ['-g', 'postgres']);
        chownSync(dir, uid, Number(g.trim()));
      } catch {
        throw new Error(`no postgres user to run PostgreSQL as: ${PG_HOWTO}`);
      }
    }
    const inst = new OwnPostgres(bin, dir, await freePort(), asUser);
    try {
      await inst.exec('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
      await inst.resume();
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return inst;
  }

  /** Creates empty databases. */
  async createDatabases(names: string[]): Promise<void> {
    const c = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      for (const n of names) await c.query(`CREATE DATABASE ${n}`);
    } finally {
      await c.end();
    }
  }

  private exec(tool: string, args: string[]): Promise<unknown> {
    const exe = path.join(this.bin, tool);
    const [cmd, argv] = this.asUser
      ? ['runuser', ['-u', 'postgres', '--', exe, ...args]]
      : [exe, args];
    return run(cmd, argv, { timeout: 60_000, cwd: this.dir }).catch(
      (e: Error & { stderr?: string }) => {
        throw new Error(`${tool} failed: ${e.stderr ?? e.message}`);
      },
    );
  }

  /** Starts it (again), waiting until it accepts connections. */
  async resume(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -h 127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.exec('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      opts,
      '-w',
      '-t',
      '30',
      'start',
    ]);
    this.running = true;
  }

  /** Stops it; `immediate` is a crash stop (recovery from the WAL at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const HAPROXY_BIN = ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'];

/** Renders `deploy/haproxy.cfg.in` for a bind address and node ports (all on 127.0.0.1). */
export function renderHaproxyConfig(template: string, bind: string, nodePorts: number[]): string {
  const servers = nodePorts.map((p, i) => `  server n${i + 1} 127.0.0.1:${p}`).join('\n');
  if (!/^\s*bind @BIND@$/m.test(template) || !/^@SERVERS@$/m.test(template)) {
    throw new Error('deploy/haproxy.cfg.in lost its @BIND@ or @SERVERS@ placeholder');
  }
  return template.replace(/^(\s*bind )@BIND@$/m, `$1${bind}`).replace(/^@SERVERS@$/m, servers);
}

/** HAProxy in the foreground with the deploy template, in front of the given node ports. */
export class Haproxy {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(nodePorts: number[]): Promise<Haproxy> {
    const bin = requireBinary(
      HAPROXY_BIN,
      'install it with `apt-get install -y haproxy` (Debian package haproxy)',
    );
    const port = await freePort();
    const dir = tempDir('parley-haproxy-');
    const cfg = path.join(dir, 'haproxy.cfg');
    const template = readFileSync(HAPROXY_TEMPLATE, 'utf8');
    writeFileSync(cfg, renderHaproxyConfig(template, `127.0.0.1:${port}`, nodePorts));
    let log = '';
    const proc = spawn(bin, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => {
      log = (log + d).slice(-4000);
    });
    proc.stderr!.on('data', (d) => {
      log = (log + d).slice(-4000);
    });
    const lb = new Haproxy(proc, port, dir);
    const died = exited(proc).then(() => {
      throw new Error(`haproxy exited: ${log}`);
    });
    try {
      await Promise.race([waitPort(port, 10_000, 'haproxy to listen'), died]);
    } catch (e) {
      await lb.stop();
      throw e;
    }
    died.catch(() => {});
    return lb;
  }

  /** Resolves once a request through the balancer finds a ready node. */
  async ready(timeoutMs = 15_000): Promise<void> {
    await until(
      () =>
        fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        ),
      'a ready node behind haproxy',
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ClusterNode extends SpawnedServer {
  dataDir: string;
  /** Connections open on this node (its `parley_connections` gauge). */
  connections(): Promise<number>;
}

/** Starts n Parley nodes (child processes) with the same environment and a shared JWT key. */
export async function startNodes(n: number, env: NodeJS.ProcessEnv): Promise<ClusterNode[]> {
  requireBuiltServer();
  // Small pools: the suites share the machine's PostgreSQL and its 100 connections.
  const shared = {
    PARLEY_JWT_PRIVATE_KEY: generateJwk(),
    PARLEY_HEARTBEAT_MS: '5000',
    PARLEY_DATABASE_POOL_MAX: '4',
    ...env,
  };
  const nodes: ClusterNode[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const dataDir = tempDir('parley-node-');
      const srv = await spawnServer(dataDir, 0, shared);
      nodes.push({
        ...srv,
        dataDir,
        async connections() {
          const text = await (await fetch(`${srv.url}/metrics`)).text();
          const m = /^parley_connections(?:\{[^}]*\})? (\d+)/m.exec(text);
          return m ? Number(m[1]) : 0;
        },
      });
    }
  } catch (e) {
    await stopNodes(nodes);
    throw e;
  }
  return nodes;
}

/** Stops every node still running (SIGTERM, SIGKILL after 5 s) and removes their data dirs. */
export async function stopNodes(nodes: ClusterNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      await stopProcess(n.proc);
      rmSync(n.dataDir, { recursive: true, force: true });
    }),
  );
}
