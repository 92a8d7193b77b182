/** Result shapes, the markdown tables and the target checks. */
import type { ConnectResult, TargetKind } from './loadgen/types.js';
import type { WindowLatency } from './metrics.js';
import type { Scenario } from './scenarios.js';

export interface Quantiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface StepResult {
  /** Aggregate send rate asked for, msgs/s. */
  rate: number;
  /** Send rate achieved in the measure window. */
  sentPerS: number;
  /** Deliveries of measure-window messages (to sockets other than the sender), per second. */
  deliveriesPerS: number;
  /** Over the whole step (warm-up + measure), after the drain. */
  expected: number;
  received: number;
  loss: number;
  lossPct: number;
  latencyMs: Quantiles;
  /** Parley only: send -> ack. */
  ackMs: Quantiles | null;
  /**
   * One Parley node only: the server's own ack latency in the measure window (`/metrics`, from
   * the parsed frame to the queued ack), so the load generator's share of the tail shows.
   */
  serverAck?: WindowLatency | null;
  acked: number;
  unacked: number;
  /** Server process CPU (user+system, all threads) in the measure window, in cores. */
  serverCpuCores: number;
  cpuUsPerDelivery: number;
  /** Sum over the load-generator workers, in cores. */
  loadgenCpuCores: number;
  /** How long the drain after the step took (longer than the minimum: deliveries were late). */
  drainMs: number;
  /** Largest delay of a send behind its schedule; large = the load generator lagged. */
  maxSendLagMs: number;
  errors: Record<string, number>;
  closes: number;
  unknown: number;
  /** parley-cluster: CPU cores by component (nodes, haproxy, nats, postgres). */
  cpuCoresByPart?: Record<string, number>;
  /** Share of the measure window in which some runnable thread waited for a CPU (PSI), in %. */
  cpuWaitPct?: number;
}

/**
 * The machine's side of a step, for its notes: the share of the window in which some thread of
 * the machine (server, load generator, kernel) was ready to run and had no CPU. At tens of
 * percent the 2 cores, not the server alone, set the latency tail.
 */
export function machineNote(s: StepResult): string {
  return s.cpuWaitPct === undefined ? '' : `CPU wait ${f(s.cpuWaitPct, 0)}%`;
}

export interface TargetResult {
  kind: TargetKind;
  /** With `--rounds`: which round (1, 2, …) this run of the target was. */
  round?: number;
  status: 'ok' | 'skipped' | 'failed';
  error?: string;
  setupMs: number;
  connect?: ConnectResult;
  rssBeforeBytes?: number;
  rssAfterBytes?: number;
  /** (RSS with all clients connected - RSS before they connected) / connected clients. */
  rssPerConnBytes?: number;
  loadgenRssBytes?: number;
  idle?: {
    seconds: number;
    serverCpuCores: number;
    loadgenCpuCores: number;
    open: number;
    closes: number;
    rssEndBytes: number;
    rssPerConnEndBytes: number;
  };
  /** The unmeasured load before the first step (`Scenario.prewarm`), and what it delivered. */
  prewarm?: { rate: number; ms: number; expected: number; received: number };
  steps: StepResult[];
  /** The last lines the server wrote (warnings and errors at the default log level). */
  serverLog?: string;
  /** Parley: GET /metrics at the end of the run. */
  serverMetrics?: string;
}

export interface ScenarioResult {
  scenario: Scenario['name'];
  title: string;
  quick: boolean;
  date: string;
  machine: Record<string, string | number>;
  config: Scenario;
  /** How many times every target ran, alternating (`--rounds`; 1 when absent). */
  rounds?: number;
  targets: TargetResult[];
  checks: string[];
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const kb = (b: number | undefined) => (b === undefined ? '-' : f(b / 1024, 1));
const mb = (b: number | undefined) => (b === undefined ? '-' : f(b / 1048576, 1));

/** The target's name, with its round when the run had several. */
const label = (r: { rounds?: number }, t: TargetResult) =>
  (r.rounds ?? 1) > 1 ? `${t.kind} #${t.round ?? 1}` : t.kind;

export function markdown(r: ScenarioResult): string {
  const out: string[] = [];
  out.push(`### ${r.title}${r.quick ? ' (quick)' : ''}`);
  out.push('');
  out.push(
    `${r.date}; ${r.machine.cpus} x ${r.machine.cpu}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ${r.machine.kernel}. ` +
      `Load generator: ${r.config.workers} worker processes; ${
        r.config.prewarm
          ? `before the first step, ${r.config.prewarm.ms / 1000} s at ${r.config.prewarm.rate} msgs/s, not measured; `
          : ''
      }steps of ${r.config.warmupMs / 1000} s warm-up + ${r.config.measureMs / 1000} s measure + ${r.config.drainMs / 1000}-${r.config.maxDrainMs / 1000} s drain ` +
      '(loss = deliveries still missing when the drain ends; latency and CPU from the measure window; CPU in cores, 1.0 = one core busy).',
  );
  out.push('');
  for (const t of r.targets) {
    if (t.status !== 'ok')
      out.push(`- **${label(r, t)}**: ${t.status}${t.error ? ` (${t.error})` : ''}`);
  }
  if (r.targets.some((t) => t.status !== 'ok')) out.push('');
  const ok = r.targets.filter((t) => t.status === 'ok');
  if (r.config.rates.length > 0) {
    out.push(
      '| server | msgs/s | sent/s | deliveries/s | loss | p50 ms | p99 ms | max ms | ack p50 / p99 / max ms | server CPU (cores) | CPU us/delivery | loadgen CPU (cores) | RSS/conn KiB | notes |',
    );
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
    for (const t of ok) {
      for (const s of t.steps) {
        const notes: string[] = [];
        if (s.closes) notes.push(`${s.closes} closed`);
        if (s.unacked) notes.push(`${s.unacked} unacked`);
        for (const [k, v] of Object.entries(s.errors)) notes.push(`${v} ${k}`);
        if (s.maxSendLagMs > 50) notes.push(`send lag ${int(s.maxSendLagMs)} ms`);
        if (s.serverAck) {
          notes.push(
            `server-side ack p99 ≤ ${s.serverAck.p99AtMostMs} ms, ${f(s.serverAck.withinTargetPct, 2)}% ≤ ${s.serverAck.targetMs} ms`,
          );
        }
        if (s.drainMs > r.config.drainMs + 1500) notes.push(`drain ${f(s.drainMs / 1000)} s`);
        const machine = machineNote(s);
        if (machine) notes.push(machine);
        out.push(
          `| ${label(r, t)} | ${int(s.rate)} | ${int(s.sentPerS)} | ${int(s.deliveriesPerS)} | ${int(s.loss)} (${f(s.lossPct, 2)}%) | ${f(s.latencyMs.p50, 2)} | ${f(s.latencyMs.p99, 2)} | ${f(s.latencyMs.max, 1)} | ${
            s.ackMs ? `${f(s.ackMs.p50, 2)} / ${f(s.ackMs.p99, 2)} / ${f(s.ackMs.max, 1)}` : '-'
          } | ${f(s.serverCpuCores, 2)} | ${f(s.cpuUsPerDelivery, 2)} | ${f(s.loadgenCpuCores, 2)} | ${kb(t.rssPerConnBytes)} | ${notes.join('; ')} |`,
        );
      }
    }
    out.push(
      '',
      'RSS/conn in this table is rough: memory the setup used (password hashing for every account) may be returned to the system meanwhile, which can even make it negative. S3 measures it.',
    );
  } else {
    out.push(
      '| server | connected | failed | connect s | RSS before MiB | RSS connected MiB | RSS/conn KiB | RSS/conn after idle KiB | idle server CPU (cores) | loadgen CPU (cores) | closed while idle |',
    );
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const t of ok) {
      out.push(
        `| ${label(r, t)} | ${int(t.connect?.ok ?? 0)} | ${int(t.connect?.failed ?? 0)} | ${f((t.connect?.ms ?? 0) / 1000, 1)} | ${mb(t.rssBeforeBytes)} | ${mb(t.rssAfterBytes)} | ${kb(t.rssPerConnBytes)} | ${kb(t.idle?.rssPerConnEndBytes)} | ${f(t.idle?.serverCpuCores ?? Number.NaN, 3)} | ${f(t.idle?.loadgenCpuCores ?? Number.NaN, 3)} | ${t.idle?.closes ?? '-'} |`,
      );
    }
  }
  if (r.checks.length > 0) {
    out.push('');
    out.push('Targets:');
    for (const c of r.checks) out.push(`- ${c}`);
  }
  out.push('');
  return out.join('\n');
}

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/**
 * The issue's targets, evaluated for Parley against the baselines of the same run; with several
 * rounds, per round and then over the rounds (`medianChecks`).
 */
export function checks(r: Omit<ScenarioResult, 'checks'>): string[] {
  const rounds = r.rounds ?? 1;
  const out: string[] = [];
  for (let k = 1; k <= rounds; k++) {
    const targets = r.targets.filter((t) => (t.round ?? 1) === k);
    const lines = roundChecks({ ...r, targets });
    out.push(...(rounds > 1 ? lines.map((l) => `round ${k}: ${l}`) : lines));
  }
  if (rounds > 1) out.push(...medianChecks(r));
  return out;
}

/** The checks of one round's targets. */
function roundChecks(r: Omit<ScenarioResult, 'checks'>): string[] {
  const parley = r.targets.find((t) => t.kind === 'parley' && t.status === 'ok');
  const raw = r.targets.find((t) => t.kind === 'raw-ws' && t.status === 'ok');
  if (!parley) return ['Parley not measured in this run: targets not evaluated.'];
  const out: string[] = [];
  if (r.scenario === 'S1') {
    for (const s of parley.steps) {
      const base = raw?.steps.find((b) => b.rate === s.rate);
      const ratio = base ? s.cpuUsPerDelivery / base.cpuUsPerDelivery : Number.NaN;
      out.push(
        `S1 ${s.rate} msgs/s: loss ${s.loss} (target 0) ${mark(s.loss <= 0)}; p99 ${f(s.latencyMs.p99, 1)} ms (<= 50) ${mark(s.latencyMs.p99 <= 50)}; CPU/delivery ${f(ratio, 2)}x raw ws (<= 1.2) ${base ? mark(ratio <= 1.2) : 'n/a'}`,
      );
    }
  } else if (r.scenario === 'S2') {
    const s = parley.steps.find((x) => x.rate === 8000) ?? parley.steps.at(-1);
    if (s && s.latencyMs.count === 0) {
      out.push(`S2 ${s.rate} msgs/s: nothing delivered (loss ${s.loss}) FAIL`);
    } else if (s) {
      out.push(
        `S2 ${s.rate} msgs/s: loss ${s.loss}, unacked ${s.unacked} (target 0) ${mark(s.loss <= 0 && s.unacked === 0)}; p99 ack ${f(s.ackMs?.p99 ?? Number.NaN, 1)} ms (<= 20) ${mark((s.ackMs?.p99 ?? Number.POSITIVE_INFINITY) <= 20)}; p99 delivery ${f(s.latencyMs.p99, 1)} ms (<= 25) ${mark(s.latencyMs.p99 <= 25)}`,
      );
    }
  }
  const cluster = r.targets.find((t) => t.kind === 'parley-cluster' && t.status === 'ok');
  if (cluster && r.scenario !== 'S3') {
    for (const c of cluster.steps) {
      const e = parley.steps.find((x) => x.rate === c.rate);
      const parts = Object.entries(c.cpuCoresByPart ?? {})
        .map(([k, v]) => `${k} ${f(v, 2)}`)
        .join(', ');
      out.push(
        `${r.scenario} ${c.rate} msgs/s, cluster (2 nodes + HAProxy + PostgreSQL + NATS) vs one embedded node: CPU/delivery ${f(c.cpuUsPerDelivery, 1)} vs ${f(e?.cpuUsPerDelivery ?? Number.NaN, 1)} us (${f(c.cpuUsPerDelivery / (e?.cpuUsPerDelivery ?? Number.NaN), 2)}x); p99 ${f(c.latencyMs.p99, 1)} vs ${f(e?.latencyMs.p99 ?? Number.NaN, 1)} ms; loss ${c.loss}; cores by part: ${parts}`,
      );
    }
  }
  if (r.scenario === 'S3') {
    const p = parley.idle?.rssPerConnEndBytes ?? parley.rssPerConnBytes ?? Number.NaN;
    const b = raw?.idle?.rssPerConnEndBytes ?? raw?.rssPerConnBytes ?? Number.NaN;
    out.push(
      `S3 RSS per idle connection: Parley ${kb(p)} KiB, raw ws ${kb(b)} KiB, ratio ${f(p / b, 2)} (<= 1.5) ${raw ? mark(p / b <= 1.5) : 'n/a'}`,
    );
  }
  return out;
}

export function median(xs: number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * Over all rounds: loss must be zero in every round; latency and the CPU ratio (Parley against
 * raw `ws` of the same round) are judged by their median over the rounds.
 */
function medianChecks(r: Omit<ScenarioResult, 'checks'>): string[] {
  const rounds = r.rounds ?? 1;
  const pairs: { parley: TargetResult; raw: TargetResult | undefined }[] = [];
  for (let k = 1; k <= rounds; k++) {
    const of = (kind: TargetKind) =>
      r.targets.find((t) => t.kind === kind && (t.round ?? 1) === k && t.status === 'ok');
    const parley = of('parley');
    if (parley) pairs.push({ parley, raw: of('raw-ws') });
  }
  if (pairs.length === 0) return [];
  const n = `median of ${pairs.length} rounds`;
  const out: string[] = [];
  if (r.scenario === 'S1') {
    for (const s of pairs[0]!.parley.steps) {
      const steps = pairs.map((p) => ({
        p: p.parley.steps.find((x) => x.rate === s.rate),
        b: p.raw?.steps.find((x) => x.rate === s.rate),
      }));
      const loss = Math.max(...steps.map((x) => x.p?.loss ?? Number.POSITIVE_INFINITY));
      const p99 = median(steps.map((x) => x.p?.latencyMs.p99 ?? Number.NaN));
      const ratios = steps.map((x) =>
        x.p && x.b ? x.p.cpuUsPerDelivery / x.b.cpuUsPerDelivery : Number.NaN,
      );
      const ratio = median(ratios);
      out.push(
        `S1 ${s.rate} msgs/s, ${n}: loss ${loss} in the worst round (target 0) ${mark(loss <= 0)}; p99 ${f(p99, 1)} ms (<= 50) ${mark(p99 <= 50)}; CPU/delivery ${f(ratio, 2)}x raw ws (<= 1.2; rounds ${ratios.map((x) => f(x, 2)).join(', ')}) ${Number.isFinite(ratio) ? mark(ratio <= 1.2) : 'n/a'}`,
      );
    }
  } else if (r.scenario === 'S2') {
    const steps = pairs.map(
      (p) => p.parley.steps.find((x) => x.rate === 8000) ?? p.parley.steps.at(-1),
    );
    const s0 = steps[0];
    if (s0) {
      // A send refused as overloaded is both undelivered and unacked: two counts, not a sum.
      const loss = Math.max(...steps.map((s) => s?.loss ?? Number.POSITIVE_INFINITY));
      const unacked = Math.max(...steps.map((s) => s?.unacked ?? Number.POSITIVE_INFINITY));
      const ack = median(steps.map((s) => s?.ackMs?.p99 ?? Number.NaN));
      const del = median(steps.map((s) => s?.latencyMs.p99 ?? Number.NaN));
      out.push(
        `S2 ${s0.rate} msgs/s, ${n}: loss ${loss}, unacked ${unacked} in the worst round (target 0) ${mark(loss <= 0 && unacked <= 0)}; p99 ack ${f(ack, 1)} ms (<= 20) ${mark(ack <= 20)}; p99 delivery ${f(del, 1)} ms (<= 25) ${mark(del <= 25)}`,
      );
    }
  } else if (r.scenario === 'S3') {
    const rss = (t: TargetResult | undefined) =>
      t?.idle?.rssPerConnEndBytes ?? t?.rssPerConnBytes ?? Number.NaN;
    const ratio = median(pairs.map((p) => rss(p.parley) / rss(p.raw)));
    out.push(
      `S3 RSS per idle connection, ${n}: ratio ${f(ratio, 2)} raw ws (<= 1.5) ${Number.isFinite(ratio) ? mark(ratio <= 1.5) : 'n/a'}`,
    );
  }
  return out;
}
