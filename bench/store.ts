/**
 * Store benchmark: the storage layer alone, with no sockets, so that a change to the store can be
 * measured without the noise of 2,000 connections on a 2-core machine.
 *
 *   node bench/dist/store.js [--store sqlite|postgres://...] [--rates 500,2000,8000]
 *     [--seconds 10] [--conversations 1000]
 *
 * The pattern is S2's: direct conversations between pairs of users, each message from one member
 * of a random conversation, sent open-loop at a fixed rate (scheduled by time, not by answers)
 * through the Store port, as the server calls it. Per rate: appends/s acknowledged, latency from
 * the call to the resolved promise (durable), and the CPU of this whole process (all threads:
 * the SQLite writer and checkpointer included) per append, less the CPU of the pacing loop alone,
 * and the bytes it wrote per append (/proc/self/io: the WAL and the checkpoints, for SQLite).
 * Needs the server built (`npx tsc -b`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Histogram } from './loadgen/histogram.js';
import { cpuUsByThread } from './loadgen/procstat.js';
import {
  cpuUs,
  type Ids,
  type MessageAppend,
  randomAppend,
  type SeedStore,
  seedDirectPairs,
  writtenBytes,
} from './seed.js';
import { REPO_ROOT } from './servers.js';

/** The part of the server's Store port this benchmark uses. */
interface Store extends SeedStore {
  migrate(): Promise<void>;
  close(): Promise<void>;
  append(input: MessageAppend): Promise<unknown>;
  appendCommits?(): { inline: number; thread: number } | null;
}

interface Server {
  openStore(url: string): Promise<Store>;
}
interface Step {
  rate: number;
  appendsPerS: number;
  failed: number;
  latencyMs: { p50: number; p99: number; max: number };
  cpuCores: number;
  cpuUsPerAppend: number;
  /** KiB this process wrote (WAL and checkpoints, for SQLite) per append acknowledged. */
  writtenKiBPerAppend: number;
  /** CPU of the main thread (the event loop, where the server's sockets are) per append. */
  mainUsPerAppend: number;
  /** How late the event loop ran a 1 ms timer: p99 and max, ms (commits held it). */
  loopDelayMs: { p99: number; max: number };
}

function parseArgs(argv: string[]) {
  const opts = { store: 'sqlite', rates: [500, 2000, 8000], seconds: 10, conversations: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--store') opts.store = v;
    else if (a === '--rates') opts.rates = v.split(',').filter(Boolean).map(Number);
    else if (a === '--seconds') opts.seconds = Number(v);
    else if (a === '--conversations') opts.conversations = Number(v);
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.rates.some((r) => !(r > 0)) || !(opts.seconds > 0) || !(opts.conversations > 0)) {
    throw new Error('--rates, --seconds and --conversations take positive numbers');
  }
  return opts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CPU time of this process's main thread (the event loop) alone, µs; NaN off Linux. */
const mainThreadCpuUs = () => cpuUsByThread(process.pid).main ?? Number.NaN;

/** Sends at `rate` for `seconds` (after a 2 s warm-up); waits for every append to settle. */
async function runStep(
  store: Store,
  ids: Ids,
  pairs: [string, string, string][],
  rate: number,
  seconds: number,
): Promise<Step> {
  const hist = new Histogram();
  let failed = 0;
  let acked = 0;
  let measuring = false;
  const pending = new Set<Promise<unknown>>();
  const send = () => {
    const t0 = performance.now();
    const counted = measuring;
    const p = store
      .append(randomAppend(pairs, ids))
      .then(
        () => {
          if (!counted) return;
          acked++;
          hist.record((performance.now() - t0) * 1000);
        },
        () => {
          failed++;
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const run = async (ms: number) => {
    const start = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= ms) break;
      const due = rate === 0 ? 0 : Math.floor((elapsed / 1000) * rate);
      while (sent < due) {
        send();
        sent++;
      }
      await sleep(1);
    }
  };
  await run(2000);
  measuring = true;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const c0 = cpuUs();
  const m0 = mainThreadCpuUs();
  const w0 = writtenBytes();
  const t0 = performance.now();
  await run(seconds * 1000);
  const secs = (performance.now() - t0) / 1000;
  const c1 = cpuUs();
  const m1 = mainThreadCpuUs();
  const w1 = writtenBytes();
  loop.disable();
  measuring = false;
  await Promise.all(pending);
  const q = (p: number) => hist.percentile(p) / 1000;
  return {
    rate,
    appendsPerS: acked / secs,
    failed,
    latencyMs: { p50: q(0.5), p99: q(0.99), max: hist.max / 1000 },
    cpuCores: (c1 - c0) / 1e6 / secs,
    cpuUsPerAppend: acked === 0 ? Number.NaN : (c1 - c0) / acked,
    writtenKiBPerAppend: acked === 0 ? Number.NaN : (w1 - w0) / 1024 / acked,
    mainUsPerAppend: acked === 0 ? Number.NaN : (m1 - m0) / acked,
    // The histogram holds the delay past the 1 ms resolution, in ns.
    loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dist = (f: string) =>
    import(pathToFileURL(path.join(REPO_ROOT, 'packages/server/dist', f)).href);
  const server = (await dist('index.js')) as Server;
  const ids = (await dist('util/ids.js')) as Ids;
  let dir: string | undefined;
  let url = opts.store;
  if (url === 'sqlite') {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-store-bench-'));
    url = `sqlite:${path.join(dir, 'parley.db')}`;
  }
  const store = await server.openStore(url);
  const steps: Step[] = [];
  try {
    const run = ids.newId('b').slice(-8);
    const pairs = await seedDirectPairs(store, opts.conversations, run);
    // The pacing loop wakes every millisecond: its own CPU, measured with nothing to send, is
    // taken off every step's.
    const idle = (await runStep(store, ids, pairs, 0, Math.min(opts.seconds, 5))).cpuCores;
    process.stderr.write(`[store] pacing loop alone: ${idle.toFixed(3)} cores\n`);
    for (const rate of opts.rates) {
      const c0 = store.appendCommits?.();
      const s = await runStep(store, ids, pairs, rate, opts.seconds);
      s.cpuCores = Math.max(0, s.cpuCores - idle);
      s.cpuUsPerAppend = (s.cpuCores * 1e6) / s.appendsPerS;
      steps.push(s);
      // SQLite: the step's commits (fsyncs) on the event loop and on the writer thread.
      const c1 = store.appendCommits?.();
      const b = c0 && c1 ? { inline: c1.inline - c0.inline, thread: c1.thread - c0.thread } : null;
      process.stderr.write(
        `[store ${opts.store.split('@').pop()}] ${rate}/s: ${Math.round(s.appendsPerS)} appends/s, p50 ${s.latencyMs.p50.toFixed(2)} p99 ${s.latencyMs.p99.toFixed(2)} max ${s.latencyMs.max.toFixed(1)} ms, ${s.cpuCores.toFixed(2)} cores (${s.cpuUsPerAppend.toFixed(1)} us/append; main thread ${s.mainUsPerAppend.toFixed(1)} us/append), event-loop delay p99 ${s.loopDelayMs.p99.toFixed(2)} max ${s.loopDelayMs.max.toFixed(1)} ms, ${s.writtenKiBPerAppend.toFixed(2)} KiB written/append, ${s.failed} failed${b ? `; commits: ${b.inline} inline, ${b.thread} on the writer thread` : ''}\n`,
      );
    }
  } finally {
    await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const name = opts.store === 'sqlite' ? 'sqlite' : 'postgres';
  const lines = [
    `| store | rate/s | appends/s | failed | p50 ms | p99 ms | max ms | CPU (cores) | CPU us/append | main thread us/append | loop delay p99 / max ms | KiB written/append |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...steps.map(
      (s) =>
        `| ${name} | ${s.rate} | ${Math.round(s.appendsPerS)} | ${s.failed} | ${s.latencyMs.p50.toFixed(2)} | ${s.latencyMs.p99.toFixed(2)} | ${s.latencyMs.max.toFixed(1)} | ${s.cpuCores.toFixed(2)} | ${s.cpuUsPerAppend.toFixed(1)} | ${s.mainUsPerAppend.toFixed(1)} | ${s.loopDelayMs.p99.toFixed(2)} / ${s.loopDelayMs.max.toFixed(1)} | ${s.writtenKiBPerAppend.toFixed(2)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
