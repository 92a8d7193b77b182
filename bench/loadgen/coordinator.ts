/**
 * The coordinator side of the load generator: forks the workers, spreads the clients over them,
 * runs steps and merges what they report.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.js';
import type {
  ClientSpec,
  ConnectResult,
  StepProgress,
  StepReport,
  TargetKind,
  WorkerRequest,
  WorkerStats,
} from './types.js';
import { nowMs } from './types.js';

/** Connections per worker: a process may hold 20,000 open files here; stay well below. */
export const MAX_CONNS_PER_WORKER = 5000;

interface Worker {
  proc: ChildProcess;
  waiting: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  clients: ClientSpec[];
  exited: boolean;
}

/** A step's reports from all workers, merged. */
export interface MergedReport extends Omit<StepReport, 'latency' | 'ack'> {
  latency: Histogram;
  ack: Histogram;
}

export class LoadGen {
  private workers: Worker[] = [];
  private nextId = 1;

  static async start(n: number): Promise<LoadGen> {
    const lg = new LoadGen();
    const script = fileURLToPath(new URL('./worker.js', import.meta.url));
    for (let i = 0; i < n; i++) {
      const proc = fork(script, [], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const w: Worker = { proc, waiting: new Map(), clients: [], exited: false };
      proc.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
        const p = w.waiting.get(m.id);
        if (!p) return;
        w.waiting.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(m.error));
      });
      proc.on('exit', (code) => {
        w.exited = true;
        for (const p of w.waiting.values()) p.reject(new Error(`worker exited (${code})`));
        w.waiting.clear();
      });
      lg.workers.push(w);
    }
    return lg;
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.proc.pid ?? 0);
  }

  private request<T>(w: Worker, req: WorkerRequest, timeoutMs: number): Promise<T> {
    if (w.exited) return Promise.reject(new Error('worker exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        w.waiting.delete(id);
        reject(new Error(`worker ${req.cmd}: timeout after ${timeoutMs} ms`));
      }, timeoutMs);
      w.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      w.proc.send({ id, req });
    });
  }

  /** Spreads clients round-robin (each worker gets members and senders of every room). */
  async connect(
    target: TargetKind,
    url: string,
    clients: ClientSpec[],
    concurrency = 50,
  ): Promise<ConnectResult> {
    const n = this.workers.length;
    if (clients.length > n * MAX_CONNS_PER_WORKER) {
      throw new Error(`${clients.length} clients need more than ${n} workers`);
    }
    this.workers.forEach((w, i) => {
      w.clients = clients.filter((_, j) => j % n === i);
    });
    const results = await Promise.all(
      this.workers.map((w) =>
        this.request<ConnectResult>(
          w,
          { cmd: 'connect', target, url, clients: w.clients, concurrency },
          600_000,
        ),
      ),
    );
    return {
      ok: results.reduce((a, r) => a + r.ok, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /**
   * Runs one step on all workers: aggregate `rate` msgs/s, split by each worker's share of the
   * senders. Resolves when every worker has stopped sending.
   */
  async step(
    step: number,
    rate: number,
    startAt: number,
    warmupMs: number,
    measureMs: number,
  ): Promise<void> {
    const senders = this.workers.map((w) => w.clients.filter((c) => c.sender).length);
    const total = senders.reduce((a, b) => a + b, 0);
    const wait = Math.max(0, startAt - nowMs()) + warmupMs + measureMs + 30_000;
    await Promise.all(
      this.workers.map((w, i) =>
        this.request(
          w,
          {
            cmd: 'step',
            step,
            rate: total === 0 ? 0 : (rate * senders[i]!) / total,
            startAt,
            warmupMs,
            measureMs,
          },
          wait,
        ),
      ),
    );
  }

  async report(step: number): Promise<MergedReport> {
    const reports = await Promise.all(
      this.workers.map((w) => this.request<StepReport>(w, { cmd: 'report', step }, 30_000)),
    );
    const m: MergedReport = {
      step,
      sentWarm: 0,
      sentMeasure: 0,
      expected: 0,
      received: 0,
      receivedMeasure: 0,
      latency: new Histogram(),
      ack: new Histogram(),
      acked: 0,
      unacked: 0,
      errors: {},
      closes: 0,
      cpuUs: 0,
      maxSendLagMs: 0,
      unknown: 0,
    };
    for (const r of reports) {
      m.sentWarm += r.sentWarm;
      m.sentMeasure += r.sentMeasure;
      m.expected += r.expected;
      m.received += r.received;
      m.receivedMeasure += r.receivedMeasure;
      m.latency.merge(r.latency);
      m.ack.merge(r.ack);
      m.acked += r.acked;
      m.unacked += r.unacked;
      for (const [k, v] of Object.entries(r.errors)) m.errors[k] = (m.errors[k] ?? 0) + v;
      m.closes += r.closes;
      m.cpuUs += r.cpuUs;
      m.maxSendLagMs = Math.max(m.maxSendLagMs, r.maxSendLagMs);
      m.unknown += r.unknown;
    }
    return m;
  }

  async progress(step: number): Promise<StepProgress> {
    const all = await Promise.all(
      this.workers.map((w) => this.request<StepProgress>(w, { cmd: 'progress', step }, 30_000)),
    );
    return {
      expected: all.reduce((a, p) => a + p.expected, 0),
      received: all.reduce((a, p) => a + p.received, 0),
      unacked: all.reduce((a, p) => a + p.unacked, 0),
    };
  }

  async stats(): Promise<WorkerStats> {
    const all = await Promise.all(
      this.workers.map((w) => this.request<WorkerStats>(w, { cmd: 'stats' }, 30_000)),
    );
    return {
      open: all.reduce((a, s) => a + s.open, 0),
      closes: all.reduce((a, s) => a + s.closes, 0),
      rssBytes: all.reduce((a, s) => a + s.rssBytes, 0),
      cpuUs: all.reduce((a, s) => a + s.cpuUs, 0),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      this.workers.map(async (w) => {
        if (w.exited) return;
        const exited = new Promise<void>((r) => w.proc.once('exit', () => r()));
        await this.request(w, { cmd: 'close' }, 10_000).catch(() => {});
        const t = setTimeout(() => w.proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }),
    );
  }

  /** Last resort (errors, signals): kill the workers this coordinator forked. */
  kill(): void {
    for (const w of this.workers) if (!w.exited) w.proc.kill('SIGKILL');
  }
}
