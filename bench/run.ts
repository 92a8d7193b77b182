/**
 * Benchmark runner: `npm run bench -w @parley/bench -- --scenario S1|S2|S3|all [--quick]
 * [--targets parley,raw-ws,socketio,parley-cluster]`.
 *
 * For each scenario and round, each server: start it (child process, 127.0.0.1, free port), set
 * up accounts and rooms, connect the clients from the load-generator workers, then run the steps
 * (or hold the idle connections), and stop everything. The servers of a round are all set up
 * first and their steps interleaved (step 1 on each, step 2 on each, …) unless `--sequential`.
 * Writes bench/results/<date>-<scenario>.json (and .md) and prints markdown tables for
 * docs/benchmarks.md on stdout (progress goes to stderr).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LoadGen, MAX_CONNS_PER_WORKER } from './loadgen/coordinator.js';
import type { Histogram } from './loadgen/histogram.js';
import { cpuWaitUs } from './loadgen/procstat.js';
import { loadTarget } from './loadgen/targets/index.js';
import { totalClients } from './loadgen/targets/layout.js';
import {
  ALL_TARGET_KINDS,
  isParley,
  nowMs,
  TARGET_KINDS,
  type TargetKind,
} from './loadgen/types.js';
import { ACK_TARGET_MS, type Buckets, scrapeAckBuckets, windowLatency } from './metrics.js';
import {
  checks,
  machineNote,
  markdown,
  type Quantiles,
  type ScenarioResult,
  type StepResult,
  type TargetResult,
} from './report.js';
import {
  roundOrder,
  SCENARIO_NAMES,
  type Scenario,
  type ScenarioName,
  scenario,
} from './scenarios.js';
import { parleyAvailable, type ServerProc, startServer } from './servers.js';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
/** Step number of the pre-warm in the workers (the real steps are 0, 1, …). */
const PREWARM_STEP = 999;
function log(msg: string): void {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

function parseArgs(argv: string[]) {
  let names: ScenarioName[] = [...SCENARIO_NAMES];
  let quick = false;
  let targets: TargetKind[] = [...TARGET_KINDS];
  let rates: number[] | undefined;
  let rounds = 1;
  let sequential = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--sequential') sequential = true;
    else if (a === '--scenario') {
      const v = (argv[++i] ?? '').toUpperCase();
      if (v === 'ALL') names = [...SCENARIO_NAMES];
      else if ((SCENARIO_NAMES as readonly string[]).includes(v)) names = [v as ScenarioName];
      else throw new Error(`--scenario: S1, S2, S3 or all (got ${v})`);
    } else if (a === '--rates') {
      rates = (argv[++i] ?? '').split(',').filter(Boolean).map(Number);
      if (rates.some((r) => !(r > 0)))
        throw new Error('--rates: positive numbers, comma-separated');
    } else if (a === '--rounds') {
      rounds = Number(argv[++i]);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9)
        throw new Error('--rounds: a whole number from 1 to 9');
    } else if (a === '--targets') {
      targets = (argv[++i] ?? '').split(',').filter(Boolean) as TargetKind[];
      for (const t of targets) {
        if (!ALL_TARGET_KINDS.includes(t)) throw new Error(`--targets: unknown ${t}`);
      }
    } else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run bench -w @parley/bench -- --scenario S1|S2|S3|all [--quick] [--targets parley,raw-ws,socketio,parley-cluster] [--rates 500,8000] [--rounds 3] [--sequential]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { names, quick, targets, rates, rounds, sequential };
}

function quantiles(h: Histogram): Quantiles {
  return {
    count: h.count,
    p50: h.percentile(0.5) / 1000,
    p99: h.percentile(0.99) / 1000,
    max: h.max / 1000,
    mean: h.mean() / 1000,
  };
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
    kernel: `${os.type()} ${os.release()}`,
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** A target set up, its clients connected and its server warm: its steps may run. */
interface Live {
  sc: Scenario;
  server: ServerProc;
  lg: LoadGen | undefined;
  result: TargetResult;
}

/** What `runStep` reads of the server and the machine at each end of the measure window. */
interface WindowSample {
  cpuUs: number;
  parts: Record<string, number> | undefined;
  /** CPU wait (PSI) so far, µs; undefined where the kernel has no PSI. */
  waitUs: number | undefined;
  ack: Promise<Buckets | null>;
}

/** Targets running now (more than one when their steps are interleaved), for `cleanup`. */
const live = new Set<Live>();

function fail(t: Live, e: unknown): void {
  t.result.status = 'failed';
  t.result.error = e instanceof Error ? e.message : String(e);
  log(`${t.sc.name} ${t.result.kind}: FAILED: ${t.result.error}\n${t.server.output()}`);
}

/**
 * Starts the target's server, sets up its accounts and rooms, connects the clients, and holds
 * them idle (S3) or pre-warms the server (S1, S2). A failure is recorded in the result.
 */
async function openTarget(sc: Scenario, kind: TargetKind, round: number): Promise<Live> {
  const result: TargetResult = { kind, round, status: 'ok', setupMs: 0, steps: [] };
  const n = totalClients(sc.layout);
  const workers = Math.max(sc.workers, Math.ceil(n / MAX_CONNS_PER_WORKER));
  log(`${sc.name} ${kind}: starting server`);
  const server = await startServer(kind);
  const t: Live = { sc, server, lg: undefined, result };
  live.add(t);
  try {
    const target = await loadTarget(kind);
    const ts = Date.now();
    const clients = await target.setup.setup(server.url, sc.layout, (m) =>
      log(`${sc.name} ${kind}: ${m}`),
    );
    result.setupMs = Date.now() - ts;
    await sleep(1000);
    result.rssBeforeBytes = server.rssBytes();

    const lg = await LoadGen.start(workers);
    t.lg = lg;
    log(`${sc.name} ${kind}: connecting ${n} clients from ${workers} workers`);
    const conn = await lg.connect(kind, server.url, clients);
    result.connect = conn;
    log(
      `${sc.name} ${kind}: ${conn.ok} connected, ${conn.failed} failed in ${(conn.ms / 1000).toFixed(1)} s${
        conn.errors.length ? ` (${conn.errors.join('; ')})` : ''
      }`,
    );
    if (conn.ok === 0) throw new Error(`no client connected: ${conn.errors.join('; ')}`);
    await sleep(sc.settleMs);
    result.rssAfterBytes = server.rssBytes();
    result.rssPerConnBytes = (result.rssAfterBytes - result.rssBeforeBytes) / conn.ok;
    result.loadgenRssBytes = (await lg.stats()).rssBytes;

    if (sc.rates.length === 0) {
      const c0 = server.cpuUs();
      const s0 = await lg.stats();
      const w0 = nowMs();
      await sleep(sc.idleMs);
      const c1 = server.cpuUs();
      const s1 = await lg.stats();
      const secs = (nowMs() - w0) / 1000;
      const rssEnd = server.rssBytes();
      result.idle = {
        seconds: secs,
        serverCpuCores: (c1 - c0) / 1e6 / secs,
        loadgenCpuCores: (s1.cpuUs - s0.cpuUs) / 1e6 / secs,
        open: s1.open,
        closes: s1.closes - s0.closes,
        rssEndBytes: rssEnd,
        rssPerConnEndBytes: (rssEnd - result.rssBeforeBytes) / conn.ok,
      };
      log(
        `${sc.name} ${kind}: idle ${secs.toFixed(1)} s, RSS/conn ${(result.rssPerConnBytes / 1024).toFixed(1)} KiB, server CPU ${result.idle.serverCpuCores.toFixed(3)} cores`,
      );
    }

    if (sc.prewarm && sc.rates.length > 0) {
      // Not a step: its deliveries and CPU are not reported, only whether it lost any.
      const { rate, ms } = sc.prewarm;
      log(`${sc.name} ${kind}: pre-warm at ${rate} msgs/s for ${ms / 1000} s (not measured)`);
      await lg.step(PREWARM_STEP, rate, nowMs() + 300, ms, 0);
      await sleep(sc.drainMs);
      const r = await lg.report(PREWARM_STEP);
      result.prewarm = { rate, ms, expected: r.expected, received: r.received };
      if (r.received < r.expected) {
        log(`${sc.name} ${kind}: pre-warm lost ${r.expected - r.received} of ${r.expected}`);
      }
    }
  } catch (e) {
    fail(t, e);
  }
  return t;
}

/** Runs one step of a target and adds its result; a failure is recorded in the result. */
async function runStep(t: Live, i: number, rate: number): Promise<void> {
  const { sc, server, lg, result } = t;
  const { kind } = result;
  if (result.status !== 'ok' || lg === undefined) return;
  try {
    const startAt = nowMs() + 300;
    const measureStart = startAt + sc.warmupMs;
    const measureEnd = measureStart + sc.measureMs;
    // A single Parley node: its own ack latencies in the window, from /metrics.
    const scrape = kind === 'parley';
    const sample = (): WindowSample => ({
      cpuUs: server.cpuUs(),
      parts: server.parts?.(),
      waitUs: cpuWaitUs(),
      ack: scrape ? scrapeAckBuckets(server.url) : Promise.resolve(null),
    });
    let a: WindowSample | undefined;
    let b: WindowSample | undefined;
    const ta = setTimeout(() => {
      a = sample();
    }, measureStart - nowMs());
    const tb = setTimeout(() => {
      b = sample();
    }, measureEnd - nowMs());
    await lg.step(i, rate, startAt, sc.warmupMs, sc.measureMs);
    // The workers finish on their own ticks; make sure the server samples were taken.
    while (nowMs() < measureEnd + 5) await sleep(5);
    clearTimeout(ta);
    clearTimeout(tb);
    const start = a ?? sample();
    const end = b ?? sample();
    // Drain: at least drainMs; then, while deliveries or acks are still arriving, up to
    // maxDrainMs in all, so a server that is only late is told apart from one that lost.
    const drainStart = Date.now();
    await sleep(sc.drainMs);
    let last = await lg.progress(i);
    let lastChange = Date.now();
    while (
      (last.received < last.expected || last.unacked > 0) &&
      Date.now() - drainStart < sc.maxDrainMs &&
      Date.now() - lastChange < 5000
    ) {
      await sleep(250);
      const p = await lg.progress(i);
      if (p.received !== last.received || p.unacked !== last.unacked) lastChange = Date.now();
      last = p;
    }
    const drainedMs = Date.now() - drainStart;
    const r = await lg.report(i);
    const [bucketsA, bucketsB] = await Promise.all([start.ack, end.ack]);
    const secs = sc.measureMs / 1000;
    const loss = r.expected - r.received;
    const step: StepResult = {
      rate,
      sentPerS: r.sentMeasure / secs,
      deliveriesPerS: r.receivedMeasure / secs,
      expected: r.expected,
      received: r.received,
      loss,
      lossPct: r.expected === 0 ? 0 : (100 * loss) / r.expected,
      latencyMs: quantiles(r.latency),
      ackMs: isParley(kind) ? quantiles(r.ack) : null,
      serverAck: bucketsA && bucketsB ? windowLatency(bucketsA, bucketsB, ACK_TARGET_MS) : null,
      acked: r.acked,
      unacked: r.unacked,
      serverCpuCores: (end.cpuUs - start.cpuUs) / 1e6 / secs,
      cpuUsPerDelivery:
        r.receivedMeasure === 0 ? Number.NaN : (end.cpuUs - start.cpuUs) / r.receivedMeasure,
      loadgenCpuCores: r.cpuUs / 1e6 / secs,
      drainMs: drainedMs,
      maxSendLagMs: r.maxSendLagMs,
      errors: r.errors,
      closes: r.closes,
      unknown: r.unknown,
    };
    if (start.parts && end.parts) {
      const from = start.parts;
      step.cpuCoresByPart = Object.fromEntries(
        Object.entries(end.parts).map(([k, v]) => [k, (v - (from[k] ?? 0)) / 1e6 / secs]),
      );
    }
    if (start.waitUs !== undefined && end.waitUs !== undefined) {
      step.cpuWaitPct = (100 * (end.waitUs - start.waitUs)) / 1000 / sc.measureMs;
    }
    result.steps.push(step);
    const machine = machineNote(step);
    log(
      `${sc.name} ${kind} ${rate} msgs/s: ${Math.round(step.deliveriesPerS)} deliveries/s, loss ${loss}, p50 ${step.latencyMs.p50.toFixed(2)} p99 ${step.latencyMs.p99.toFixed(2)} max ${step.latencyMs.max.toFixed(1)} ms${
        step.ackMs ? `, ack p99 ${step.ackMs.p99.toFixed(2)} ms` : ''
      }${
        step.serverAck
          ? ` (server-side p99 <= ${step.serverAck.p99AtMostMs} ms, ${step.serverAck.withinTargetPct.toFixed(2)}% <= ${step.serverAck.targetMs} ms)`
          : ''
      }, server ${step.serverCpuCores.toFixed(2)} cores (${step.cpuUsPerDelivery.toFixed(2)} us/delivery), loadgen ${step.loadgenCpuCores.toFixed(2)} cores${
        step.cpuCoresByPart
          ? ` [${Object.entries(step.cpuCoresByPart)
              .filter(([, v]) => v > 0)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(', ')}]`
          : ''
      }${machine && `; ${machine}`}`,
    );
  } catch (e) {
    fail(t, e);
  }
}

/** Stops the target's clients and server; returns its result. */
async function closeTarget(t: Live): Promise<TargetResult> {
  const { server, lg, result } = t;
  const { kind } = result;
  if (isParley(kind)) {
    // Parley's own counters after the run (diagnosis of stalls and errors).
    try {
      const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) result.serverMetrics = await res.text();
    } catch {}
  }
  result.serverLog = server.output();
  await lg?.close();
  await server.stop();
  live.delete(t);
  return result;
}

/** Why a target cannot run here, or null. */
function skipReason(sc: Scenario, kind: TargetKind): string | null {
  if (isParley(kind) && !parleyAvailable()) return 'packages/server/bin/parley.js not found';
  // Every tunnel holds two descriptors in HAProxy, and one process may open 20,000 here.
  if (kind === 'parley-cluster' && sc.name === 'S3') {
    return 'HAProxy (one process, 20,000 open files) cannot hold 15,000 tunnels here';
  }
  return null;
}

/**
 * Runs targets of one round together: every one is set up and warmed first, then each step runs
 * on each target in turn, then all stop. With several targets their steps interleave: a step of
 * Parley and the same step of raw `ws` are seconds apart instead of minutes, so a drift of a
 * shared machine's speed (1.2-1.5× between rounds of one run, measured) falls on both alike.
 */
async function runTogether(sc: Scenario, kinds: TargetKind[], round: number) {
  const ts: Live[] = [];
  for (const kind of kinds) ts.push(await openTarget(sc, kind, round));
  for (const [i, rate] of sc.rates.entries()) for (const t of ts) await runStep(t, i, rate);
  const out: TargetResult[] = [];
  for (const t of ts) out.push(await closeTarget(t));
  return out;
}

async function main(): Promise<void> {
  const { names, quick, targets, rates, rounds, sequential } = parseArgs(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const date = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, '');
  const tables: string[] = [];
  for (const name of names) {
    const sc = scenario(name, quick);
    if (rates && sc.rates.length > 0) sc.rates = rates;
    log(`== ${sc.title}${quick ? ' (quick)' : ''}`);
    const results: TargetResult[] = [];
    // Rounds alternate the targets (parley, raw-ws, …, parley, raw-ws, …), and the checks take
    // the median round, so one noisy minute on a shared machine does not decide a target. Within
    // a round the steps interleave (`runTogether`) unless `--sequential`; the order of the
    // targets turns with each round, so none always runs first.
    for (let round = 1; round <= rounds; round++) {
      const runnable: TargetKind[] = [];
      for (const kind of targets) {
        const skip = skipReason(sc, kind);
        if (skip === null) runnable.push(kind);
        else {
          log(`${name} ${kind}: skipped (${skip})`);
          results.push({ kind, round, status: 'skipped', error: skip, setupMs: 0, steps: [] });
        }
      }
      // One group of all targets (steps interleaved), or one group per target.
      const alone = sequential || sc.rates.length === 0 || runnable.length < 2;
      const groups = alone ? runnable.map((k) => [k]) : [roundOrder(runnable, round)];
      const done: TargetResult[] = [];
      for (const group of groups) {
        if (rounds > 1 || group.length > 1) {
          const how = group.length > 1 ? ', steps interleaved' : '';
          log(`${name} round ${round} of ${rounds}: ${group.join(', ')}${how}`);
        }
        done.push(...(await runTogether(sc, group, round)));
        await sleep(1000);
      }
      for (const kind of runnable) results.push(done.find((r) => r.kind === kind)!);
    }
    const base = {
      scenario: name,
      title: sc.title,
      quick,
      date: new Date().toISOString(),
      machine: machine(),
      config: sc,
      rounds,
      targets: results,
    };
    const full: ScenarioResult = { ...base, checks: checks(base) };
    const md = markdown(full);
    const file = `${RESULTS_DIR}${date}-${name}${quick ? '-quick' : ''}`;
    writeFileSync(`${file}.json`, `${JSON.stringify(full, null, 2)}\n`);
    writeFileSync(`${file}.md`, md);
    log(`wrote ${file}.json`);
    tables.push(md);
  }
  process.stdout.write(`\n${tables.join('\n')}`);
}

async function cleanup(): Promise<void> {
  for (const t of live) t.lg?.kill();
  await Promise.all([...live].map((t) => t.server.stop()));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    cleanup().finally(() => process.exit(1));
  },
);
