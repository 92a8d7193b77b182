/**
 * A small Prometheus registry: counters, gauges and histograms rendered in the text exposition
 * format at `/metrics`. Constructed once in the composition root and passed to who records.
 */
import { performance } from 'node:perf_hooks';

type Labels = Record<string, string>;

const NEEDS_ESCAPE = /["\\\n]/;

function escapeLabel(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v; // the common case: no copy
  return v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  return `{${keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(',')}}`;
}

export class Counter {
  private values = new Map<string, number>();
  private fn: (() => Array<[Labels, number]>) | undefined;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(n = 1, labels?: Labels): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  /** Reads the values, by labels, from a function at render time instead (a component's own count). */
  collect(fn: () => Array<[Labels, number]>): void {
    this.fn = fn;
  }
  get(labels?: Labels): number {
    return this.current().get(labelKey(labels)) ?? 0;
  }
  /** The values by label key: counted here, or read from the `collect` function. */
  private current(): Map<string, number> {
    if (!this.fn) return this.values;
    return new Map(this.fn().map(([l, v]): [string, number] => [labelKey(l), v]));
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    const values = this.current();
    if (values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of values) lines.push(`${this.name}${k} ${v}`);
    return lines.join('\n');
  }
}

export class Gauge {
  private fn: (() => number) | undefined;
  private value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
  /** Reads the value from a function at render time instead. */
  collect(fn: () => number): void {
    this.fn = fn;
  }
  get(): number {
    return this.fn ? this.fn() : this.value;
  }
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.get()}`,
    ].join('\n');
  }
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Histogram {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {
    this.counts = new Array(buckets.length).fill(0);
  }
  /** Records a value in seconds. */
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= this.buckets[i]!) {
        this.counts[i]!++;
        break;
      }
    }
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let acc = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      acc += this.counts[i]!;
      lines.push(`${this.name}_bucket{le="${this.buckets[i]}"} ${acc}`);
    }
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

/** Every metric Parley exports. */
export class Metrics {
  readonly connections = new Gauge('parley_connections', 'Open WebSocket connections.');
  readonly connectionsTotal = new Counter(
    'parley_connections_total',
    'WebSocket connections accepted since start.',
  );
  readonly messagesIn = new Counter(
    'parley_messages_in_total',
    'Messages appended (new sends, not retried duplicates).',
  );
  readonly framesIn = new Counter('parley_frames_in_total', 'Client frames received, by type.');
  readonly deliveries = new Counter(
    'parley_messages_out_total',
    'Event frames written to sockets (deliveries).',
  );
  readonly acks = new Counter('parley_acks_total', 'Send acknowledgements, by dup.');
  readonly errors = new Counter('parley_errors_total', 'Error frames and responses, by code.');
  readonly ackLatency = new Histogram(
    'parley_ack_latency_seconds',
    'From a send frame read to its ack written.',
  );
  readonly storeAppend = new Histogram(
    'parley_store_commit_seconds',
    'From an append handed to the store to its durable commit.',
  );
  readonly storeBatches = new Counter(
    'parley_store_batches_total',
    'Append transactions (each one fsync) committed by the embedded SQLite store, by where: on the event loop (inline) or the writer thread (thread).',
  );
  readonly slowConsumers = new Counter(
    'parley_slow_consumer_disconnects_total',
    'Sockets closed because their send buffer overflowed.',
  );
  readonly httpRequests = new Counter('parley_http_requests_total', 'HTTP requests, by status.');
  readonly overloaded = new Counter(
    'parley_overload_rejections_total',
    'Changes refused with `unavailable` because too many appends were waiting for a commit.',
  );

  /** Event-loop utilization at the previous scrape (`parley_event_loop_utilization`). */
  #elu = performance.eventLoopUtilization();

  render(): string {
    // The share of wall time the event loop spent running, not waiting in the poll phase,
    // since the previous scrape. It reads libuv's own counters, so it costs no timer.
    const elu = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(elu, this.#elu).utilization;
    this.#elu = elu;
    const all = [
      this.connections,
      this.connectionsTotal,
      this.messagesIn,
      this.framesIn,
      this.deliveries,
      this.acks,
      this.errors,
      this.ackLatency,
      this.storeAppend,
      this.storeBatches,
      this.slowConsumers,
      this.httpRequests,
      this.overloaded,
    ];
    const mem = process.memoryUsage();
    const extra = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${mem.rss}`,
      '# HELP process_heap_used_bytes V8 heap used.',
      '# TYPE process_heap_used_bytes gauge',
      `process_heap_used_bytes ${mem.heapUsed}`,
      '# HELP parley_event_loop_utilization Share of the time since the previous scrape the main thread was busy (0-1); near 1, it is the limit.',
      '# TYPE parley_event_loop_utilization gauge',
      `parley_event_loop_utilization ${busy.toFixed(4)}`,
    ];
    return `${all.map((m) => m.render()).join('\n')}\n${extra.join('\n')}\n`;
  }
}
