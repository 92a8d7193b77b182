/** Starts and stops the servers under test as child processes on 127.0.0.1 and a free port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from './cluster.js';
import { cpuUs, cpuUsByThread, rssBytes } from './loadgen/procstat.js';
import type { TargetKind } from './loadgen/types.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PARLEY_BIN = path.join(REPO_ROOT, 'packages/server/bin/parley.js');

export interface ServerProc {
  kind: TargetKind;
  pid: number;
  url: string;
  /** Last lines the server wrote (for error messages). */
  output(): string;
  stop(): Promise<void>;
  /** CPU time (µs) and RSS (bytes) of everything that serves: one process, or a cluster. */
  cpuUs(): number;
  rssBytes(): number;
  /** CPU time (µs) by component: by process for a cluster, by thread for one process. */
  parts?(): Record<string, number>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function parleyAvailable(): boolean {
  return existsSync(PARLEY_BIN);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServer(kind: TargetKind): Promise<ServerProc> {
  if (kind === 'parley-cluster') return startCluster();
  const port = await freePort();
  const host = '127.0.0.1';
  const url = `http://${host}:${port}`;
  let dataDir: string | undefined;
  let args: string[];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (kind === 'parley') {
    dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
    args = [PARLEY_BIN, 'start', '--port', String(port), '--host', host, '--data-dir', dataDir];
    env.PARLEY_LOG_LEVEL = process.env.PARLEY_LOG_LEVEL ?? 'warn';
    env.PARLEY_ACCESS_TOKEN_TTL_S = '86400';
    env.PARLEY_DRAIN_TIMEOUT_S = '1';
    // The load generator is one IP registering and connecting thousands of clients: lift the
    // per-IP abuse limits (per-connection and per-account message limits stay at their defaults).
    for (const name of [
      'CONN_RATE_PER_IP',
      'CONN_PER_IP',
      'HTTP_AUTH_PER_MIN',
      'HTTP_WRITE_PER_MIN',
      'HTTP_READ_PER_MIN',
      'REGISTER_PER_IP_PER_HOUR',
      'LOGIN_PER_IP_PER_MIN',
    ]) {
      env[`PARLEY_LIMIT_${name}`] ??= '100000000';
    }
  } else {
    const script = fileURLToPath(new URL(`./baselines/${kind}.js`, import.meta.url));
    args = [script, '--port', String(port), '--host', host];
  }
  // PARLEY_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": Node flags for the
  // server under test only (to see where its time goes), never for the load generator.
  const nodeArgs = (process.env.PARLEY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
    env,
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let listening = false;
  // PARLEY_BENCH_SERVER_LOG=<file>: also keep the server's whole output (e.g. with --trace-gc).
  const logFile = process.env.PARLEY_BENCH_SERVER_LOG;
  const onData = (d: Buffer) => {
    if (logFile) appendFileSync(logFile, d);
    for (const l of d.toString().split('\n')) {
      if (!l) continue;
      if (/^listening \d+/.test(l)) listening = true;
      lines.push(l);
      if (lines.length > 40) lines.shift();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const output = () => lines.join('\n');

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`${kind} server exited at start:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} server did not start in 30 s:\n${output()}`);
    }
    if (kind === 'parley') {
      try {
        const res = await fetch(`${url}/readyz`);
        if (res.ok) break;
      } catch {}
    } else if (listening) break;
    await sleep(100);
  }
  const pid = child.pid!;
  return {
    kind,
    pid,
    url,
    output,
    stop,
    cpuUs: () => cpuUs(pid),
    rssBytes: () => rssBytes(pid),
    parts: () => cpuUsByThread(pid),
  };
}
