/**
 * The `parley-cluster` target: 2 Parley nodes behind HAProxy (deploy/haproxy.cfg.in), on a fresh
 * database of the machine's PostgreSQL (127.0.0.1:5432) and a NATS server of its own, all on
 * loopback. CPU is reported for the whole cluster and per component (nodes, HAProxy, NATS,
 * PostgreSQL), so a reader can see where the time goes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuUs, rssBytes } from './loadgen/procstat.js';
import { freePort, PARLEY_BIN, REPO_ROOT, type ServerProc } from './servers.js';

const NODES = 2;
const PG = 'postgres://postgres@127.0.0.1:5432';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function psql(sql: string): void {
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-qAtc', sql], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Pids of the machine's PostgreSQL processes (postmaster and backends). */
function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch {}
  }
  return out;
}

function sum(pids: number[], f: (pid: number) => number): number {
  let s = 0;
  for (const p of pids) {
    try {
      s += f(p);
    } catch {}
  }
  return s;
}

export async function startCluster(): Promise<ServerProc> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'parley-bench-cluster-'));
  const db = `parley_bench_${randomBytes(4).toString('hex')}`;
  psql(`CREATE DATABASE ${db}`);
  const procs: { name: string; proc: ChildProcess }[] = [];
  const lines: string[] = [];
  const spawnLogged = (name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const proc = spawn(cmd, args, { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l) lines.push(`${name}: ${l}`);
      while (lines.length > 60) lines.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    procs.push({ name, proc });
    return proc;
  };
  const stop = async () => {
    for (const { proc } of [...procs].reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    try {
      psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } catch {}
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const natsPort = await freePort();
    spawnLogged('nats', '/usr/sbin/nats-server', [
      ...['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', path.join(tmp, 'nats')],
    ]);
    const jwk = JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));
    const nodePorts: number[] = [];
    for (let i = 0; i < NODES; i++) {
      const port = await freePort();
      nodePorts.push(port);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PARLEY_DATABASE_URL: `${PG}/${db}`,
        PARLEY_BUS_URL: `nats://127.0.0.1:${natsPort}`,
        PARLEY_JWT_PRIVATE_KEY: jwk,
        PARLEY_TRUSTED_PROXIES: '127.0.0.1',
        PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'warn',
        PARLEY_ACCESS_TOKEN_TTL_S: '86400',
        PARLEY_DRAIN_TIMEOUT_S: '1',
        PARLEY_DATABASE_POOL_MAX: '8',
      };
      for (const n of ['CONN_RATE_PER_IP', 'CONN_PER_IP', 'HTTP_AUTH_PER_MIN']) {
        env[`PARLEY_LIMIT_${n}`] ??= '100000000';
      }
      for (const n of ['HTTP_WRITE_PER_MIN', 'HTTP_READ_PER_MIN', 'REGISTER_PER_IP_PER_HOUR']) {
        env[`PARLEY_LIMIT_${n}`] ??= '100000000';
      }
      env.PARLEY_LIMIT_LOGIN_PER_IP_PER_MIN ??= '100000000';
      // Wait for NATS before the first node (it connects at start).
      if (i === 0) await sleep(500);
      spawnLogged(
        `node${i}`,
        process.execPath,
        [
          ...[PARLEY_BIN, 'start', '--port', String(port), '--host', '127.0.0.1'],
          ...['--data-dir', path.join(tmp, `node${i}`)],
        ],
        env,
      );
    }
    const lbPort = await freePort();
    const template = readFileSync(path.join(REPO_ROOT, 'deploy/haproxy.cfg.in'), 'utf8');
    const servers = nodePorts.map((p, i) => `  server node${i} 127.0.0.1:${p}`).join('\n');
    const cfg = path.join(tmp, 'haproxy.cfg');
    writeFileSync(
      cfg,
      template
        .replace(/^(\s*bind )@BIND@$/m, `$1127.0.0.1:${lbPort}`)
        .replace(/^@SERVERS@$/m, servers),
    );
    spawnLogged('haproxy', 'haproxy', ['-db', '-f', cfg]);
    const url = `http://127.0.0.1:${lbPort}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await Promise.all(
        [...nodePorts.map((p) => `http://127.0.0.1:${p}`), url].map((u) =>
          fetch(`${u}/readyz`).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      if (ready.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`cluster did not start:\n${lines.join('\n')}`);
      await sleep(200);
    }
    // Let HAProxy's health checks mark every node up.
    await sleep(2500);
    const pidsOf = (prefix: string) =>
      procs.filter((p) => p.name.startsWith(prefix)).map((p) => p.proc.pid ?? 0);
    const parts = () => ({
      nodes: sum(pidsOf('node'), cpuUs),
      haproxy: sum(pidsOf('haproxy'), cpuUs),
      nats: sum(pidsOf('nats'), cpuUs),
      postgres: sum(postgresPids(), cpuUs),
    });
    return {
      kind: 'parley-cluster',
      pid: procs.find((p) => p.name === 'node0')!.proc.pid!,
      url,
      output: () => lines.join('\n'),
      stop,
      cpuUs: () => Object.values(parts()).reduce((a, b) => a + b, 0),
      rssBytes: () => sum(pidsOf('node'), rssBytes),
      parts,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
