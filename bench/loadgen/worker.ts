/**
 * A load-generator worker (forked by the coordinator): holds up to a few thousand client
 * sockets of one target, sends at its share of the step rate, records what it receives.
 * Talks to the coordinator over IPC: requests `{id, req}`, answers `{id, ok, result | error}`.
 * Exits when the coordinator goes away.
 */
import { newCid } from '@parley/sdk';
import { Histogram } from './histogram.js';
import { loadTarget } from './targets/index.js';
import { pool, withTimeout } from './targets/layout.js';
import type {
  ClientSpec,
  Conn,
  ConnectResult,
  StepProgress,
  StepReport,
  WorkerRequest,
  WorkerStats,
} from './types.js';
import { nowMs } from './types.js';

interface StepState {
  sentWarm: number;
  sentMeasure: number;
  expected: number;
  received: number;
  receivedMeasure: number;
  latency: Histogram;
  ack: Histogram;
  acked: number;
  errors: Record<string, number>;
  closes: number;
  cpuUs: number;
  maxSendLagMs: number;
  unknown: number;
}

const TEXT_BYTES = Number(process.env.BENCH_TEXT_BYTES ?? 100);
const PAD = 'x'.repeat(TEXT_BYTES);

const conns: { client: ClientSpec; conn: Conn }[] = [];
const steps = new Map<number, StepState>();
const finished = new Set<number>();
/** cid -> send time, step and phase of sends waiting for their ack (Parley). */
const pending = new Map<string, { ts: number; step: number; measure: boolean }>();
let current = -1;
let open = 0;
let closesTotal = 0;

function state(step: number): StepState | undefined {
  if (finished.has(step)) return undefined;
  let s = steps.get(step);
  if (!s) {
    s = {
      sentWarm: 0,
      sentMeasure: 0,
      expected: 0,
      received: 0,
      receivedMeasure: 0,
      latency: new Histogram(),
      ack: new Histogram(),
      acked: 0,
      errors: {},
      closes: 0,
      cpuUs: 0,
      maxSendLagMs: 0,
      unknown: 0,
    };
    steps.set(step, s);
  }
  return s;
}

/** Message text: `<step>|<w|m>|<sender idx>|<send time ms>|<padding>`. */
function onText(self: number, text: string): void {
  const now = nowMs();
  const a = text.indexOf('|');
  const b = text.indexOf('|', a + 3);
  const c = text.indexOf('|', b + 1);
  if (a <= 0 || b < 0 || c < 0) {
    const s = state(current);
    if (s) s.unknown++;
    return;
  }
  const sender = Number(text.slice(a + 3, b));
  if (sender === self) return; // own echo: not a delivery
  const s = state(Number(text.slice(0, a)));
  if (!s) return; // late: the step was already reported
  s.received++;
  if (text.charCodeAt(a + 1) === 109 /* m */) {
    s.receivedMeasure++;
    s.latency.record((now - Number(text.slice(b + 1, c))) * 1000);
  }
}

function onAck(cid: string): void {
  const p = pending.get(cid);
  if (!p) return;
  pending.delete(cid);
  const s = state(p.step);
  if (!s) return;
  s.acked++;
  if (p.measure) s.ack.record((nowMs() - p.ts) * 1000);
}

async function connect(req: Extract<WorkerRequest, { cmd: 'connect' }>): Promise<ConnectResult> {
  const { driver } = await loadTarget(req.target);
  const t0 = Date.now();
  const errors = new Set<string>();
  let failed = 0;
  await pool(req.clients, req.concurrency, async (client) => {
    try {
      const conn = await withTimeout(
        driver.connect(req.url, client, {
          onText: (text) => onText(client.idx, text),
          onAck,
          onError: (code) => {
            const s = state(current);
            if (s) s.errors[code] = (s.errors[code] ?? 0) + 1;
          },
          onClose: () => {
            open--;
            closesTotal++;
            const s = state(current);
            if (s) s.closes++;
          },
        }),
        30_000,
        'connect',
      );
      conns.push({ client, conn });
      open++;
    } catch (e) {
      failed++;
      if (errors.size < 5) errors.add(e instanceof Error ? e.message : String(e));
    }
  });
  return { ok: conns.length, failed, errors: [...errors], ms: Date.now() - t0 };
}

function runStep(req: Extract<WorkerRequest, { cmd: 'step' }>): Promise<void> {
  current = req.step;
  const s = state(req.step)!;
  const senders = conns.filter((c) => c.client.sender);
  const end = req.warmupMs + req.measureMs;
  const total = Math.floor((end / 1000) * req.rate);
  let sent = 0;
  let cpuStart: NodeJS.CpuUsage | undefined;
  return new Promise((resolve) => {
    const tick = () => {
      const t = nowMs() - req.startAt;
      if (t < 0) return;
      if (!cpuStart && t >= req.warmupMs) cpuStart = process.cpuUsage();
      // Message k is due at k / rate; the step sends floor(end * rate) messages in all.
      const due = senders.length === 0 ? 0 : Math.min(total, Math.floor((t / 1000) * req.rate) + 1);
      while (sent < due) {
        const scheduled = (sent / req.rate) * 1000;
        const measure = scheduled >= req.warmupMs;
        const { client, conn } = senders[sent % senders.length]!;
        const ts = nowMs();
        // Made as the SDK makes them (UUIDv7): the server's index of cids is keyed by them.
        const cid = newCid();
        if (client.token) pending.set(cid, { ts, step: req.step, measure });
        conn.send(cid, `${req.step}|${measure ? 'm' : 'w'}|${client.idx}|${ts.toFixed(3)}|${PAD}`);
        if (measure) s.sentMeasure++;
        else s.sentWarm++;
        s.expected += client.recipients;
        if (t - scheduled > s.maxSendLagMs) s.maxSendLagMs = t - scheduled;
        sent++;
      }
      if (t >= end) {
        clearInterval(timer);
        if (cpuStart) {
          const d = process.cpuUsage(cpuStart);
          s.cpuUs = d.user + d.system;
        }
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
  });
}

function report(step: number): StepReport {
  const s = state(step)!;
  finished.add(step);
  steps.delete(step);
  let unacked = 0;
  for (const [cid, p] of pending) {
    if (p.step === step) {
      unacked++;
      pending.delete(cid);
    }
  }
  return {
    step,
    sentWarm: s.sentWarm,
    sentMeasure: s.sentMeasure,
    expected: s.expected,
    received: s.received,
    receivedMeasure: s.receivedMeasure,
    latency: s.latency.toJSON(),
    ack: s.ack.toJSON(),
    acked: s.acked,
    unacked,
    errors: s.errors,
    closes: s.closes,
    cpuUs: s.cpuUs,
    maxSendLagMs: s.maxSendLagMs,
    unknown: s.unknown,
  };
}

function progress(step: number): StepProgress {
  const s = state(step);
  let unacked = 0;
  for (const p of pending.values()) if (p.step === step) unacked++;
  return { expected: s?.expected ?? 0, received: s?.received ?? 0, unacked };
}

function stats(): WorkerStats {
  const cpu = process.cpuUsage();
  return {
    open,
    closes: closesTotal,
    rssBytes: process.memoryUsage().rss,
    cpuUs: cpu.user + cpu.system,
  };
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'connect':
      return connect(req);
    case 'step':
      await runStep(req);
      return null;
    case 'report':
      return report(req.step);
    case 'progress':
      return progress(req.step);
    case 'stats':
      return stats();
    case 'close':
      for (const { conn } of conns) conn.close();
      conns.length = 0;
      setTimeout(() => process.exit(0), 200);
      return null;
  }
}

process.on('message', (msg: { id: number; req: WorkerRequest }) => {
  handle(msg.req).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (e: unknown) =>
      process.send?.({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
