/**
 * Test harness: real Parley servers on loopback with temporary data directories, and a raw
 * WebSocket client for protocol-level tests. Used by the server's and the SDK's tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientFrameInput, ServerFrame, Session } from '@parley/protocol';
import { WebSocket } from 'ws';
import { type ConfigInput, loadConfig } from '../config.js';
import { type Parley, startServer } from '../main.js';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  url: string;
  wsUrl: string;
  parley: Parley;
  dataDir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'parley-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Starts a server in this process on a free port with a fresh data directory. */
export async function startTestServer(over: Partial<ConfigInput> = {}): Promise<TestServer> {
  const dataDir = over.dataDir ?? tempDir();
  const config = loadConfig(
    { port: 0, logLevel: 'silent', drainTimeoutS: 1, ...over, dataDir },
    {},
  );
  const parley = await startServer(config);
  return {
    url: parley.url,
    wsUrl: `${parley.url.replace(/^http/, 'ws')}/v1/ws`,
    parley,
    dataDir,
    async close() {
      await parley.close();
      if (!over.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

export interface SpawnedServer {
  url: string;
  wsUrl: string;
  port: number;
  proc: ChildProcess;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit (graceful drain). */
  stop(): Promise<number | null>;
}

/**
 * Starts `parley start` as a child process (needs the compiled dist/, built by `npm run build`).
 * Pass the same dataDir and port to restart a killed server on its data.
 */
export async function spawnServer(
  dataDir: string,
  port = 0,
  env: NodeJS.ProcessEnv = {},
): Promise<SpawnedServer> {
  const proc = spawn(
    process.execPath,
    [BIN, 'start', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    {
      env: { ...process.env, PARLEY_DRAIN_TIMEOUT_S: '2', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /open (http\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/v1/ws`,
    port: Number(new URL(url).port),
    proc,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Registers a user over HTTP; returns the session. */
export async function register(
  baseUrl: string,
  username: string,
  password = 'correct horse',
): Promise<Session> {
  const res = await fetch(`${baseUrl}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 201)
    throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Session;
}

/** A JSON HTTP call; returns status and parsed body. */
export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed as T };
}

let uniq = 0;
/** A username unique within this test process. */
export function uname(prefix = 'user'): string {
  uniq++;
  return `${prefix}${process.pid}x${uniq}`;
}

/** A raw protocol client: every frame received is kept and can be awaited. */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const w of this.closeWaiters) w(code);
    });
  }

  /** `autoPong: false`: a client that never answers the server's WebSocket pings. */
  static async open(wsUrl: string, opts: { autoPong?: boolean } = {}): Promise<RawClient> {
    const ws = new WebSocket(wsUrl, { autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  /** Opens and authenticates; resolves with the client after `ready`. */
  static async connect(
    wsUrl: string,
    token: string,
    opts: { autoPong?: boolean } = {},
  ): Promise<RawClient> {
    const c = await RawClient.open(wsUrl, opts);
    c.send({ type: 'auth', token });
    await c.next('ready');
    return c;
  }

  send(frame: ClientFrameInput | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next frame (already received or future) matching type and predicate. */
  next<T extends ServerFrame['type']>(
    type: T,
    pred: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const match = (f: ServerFrame) =>
      f.type === type && pred(f as Extract<ServerFrame, { type: T }>);
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen as Extract<ServerFrame, { type: T }>);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
      this.waiters.push({
        pred: match,
        resolve: (f) => {
          clearTimeout(timer);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f as Extract<ServerFrame, { type: T }>);
        },
      });
    });
  }

  /** Sends a frame with a rid and awaits the answer with that rid (any type). */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<ServerFrame> {
    const rid = `r${++uniq}`;
    this.send({ ...frame, rid });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${String(frame.type)}`)),
        timeoutMs,
      );
      const pred = (f: ServerFrame) => 'rid' in f && f.rid === rid;
      const seen = this.frames.find(pred);
      if (seen) {
        clearTimeout(timer);
        this.frames.splice(this.frames.indexOf(seen), 1);
        resolve(seen);
        return;
      }
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      });
    });
  }

  closed(timeoutMs = 5000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}
