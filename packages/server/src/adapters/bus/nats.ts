/**
 * The bus on NATS: core NATS for publish/subscribe, JetStream for the durable work queue.
 *
 * ```ts
 * const bus = await NatsBus.connect('nats://127.0.0.1:4222', { onError: (e) => log.warn(e) });
 * bus.subscribe('conv.c_1', (data) => console.log(data));
 * await bus.flush();
 * bus.publish('conv.c_1', 'hello');
 * ```
 *
 * Names on the broker, for the default `prefix` `parley`:
 * - pub/sub subject `conv.c_1` travels as `parley.bus.conv.c_1`;
 * - a job of queue `push` is stored on `parley.work.push` in the stream `PARLEY_WORK` (work-queue
 *   retention, file storage; created or updated at connect) and handed out by the durable pull
 *   consumer `parley_q_push` (explicit ack, ack wait 30 s, unlimited redeliveries). `_` in a
 *   queue name is written `__` and `.` is written `_d` in the consumer name.
 *
 * Each `consume` call runs one loop that fetches one job at a time and awaits its handler:
 * resolve acks the job, reject naks it with a delay from `retryDelay`, and a consumer that dies
 * leaves it to be redelivered when the ack wait ends. Several consumers of one queue (in one or
 * many processes) share the durable consumer, so each job goes to one of them.
 *
 * The connection reconnects forever. While it is down `publish` drops messages (the client's
 * own buffer would grow without bound) and `status()` is `{ connected: false }`; subscriptions
 * are restored by the client on reconnect.
 */
import {
  AckPolicy,
  type ConnectionOptions,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  connect,
  DebugEvents,
  DeliverPolicy,
  Events,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type Subscription,
} from 'nats';
import type { Bus, Unsubscribe } from '../../ports/bus.js';
import {
  assertSubject,
  type BusErrorListener,
  backoff,
  isSubject,
  type RetryDelay,
  report,
} from './common.js';

export interface NatsBusOptions {
  /**
   * First token of every subject this bus uses and of its consumer names; one token of
   * [A-Za-z0-9_-]. Default `parley`. Buses that should see each other use the same prefix.
   */
  prefix?: string;
  /** The JetStream stream that holds jobs. Default `<PREFIX>_WORK` (prefix upper-cased). */
  stream?: string;
  /** Where the stream keeps jobs. Default `file`. */
  storage?: 'file' | 'memory';
  /** How long a handed-out job may stay unacknowledged before it is handed again. Default 30 s. */
  ackWaitMs?: number;
  /** Delay before a rejected job is handed again. Default 500 ms doubling up to 30 s. */
  retryDelay?: RetryDelay;
  /** How long one fetch waits for a job before the loop asks again. Default 5 s. */
  fetchExpiresMs?: number;
  /** Called with what a handler threw, a rejected job's reason and background failures. */
  onError?: BusErrorListener;
  /** How long `close` waits for job handlers in flight. Default 5 s. */
  closeWaitMs?: number;
  /** Wait between reconnect attempts. Default 250 ms. */
  reconnectTimeWaitMs?: number;
  /** Connection name shown by the server. */
  name?: string;
  /** Passed to `nats.connect` last, overriding the above (credentials, TLS, ...). */
  connection?: Partial<ConnectionOptions>;
}

interface Topic {
  sub: Subscription;
  handlers: Set<(data: string, subject: string) => void>;
}

interface Loop {
  stopped: boolean;
  abrupt: boolean;
  batch: ConsumerMessages | undefined;
  done: Promise<void>;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

export class NatsBus implements Bus {
  private readonly topics = new Map<string, Topic>();
  private readonly loops = new Set<Loop>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private readonly consumers = new Map<string, Promise<Consumer>>();
  private readonly js: JetStreamClient;
  private readonly busPrefix: string;
  private readonly workPrefix: string;
  private readonly retryDelay: RetryDelay;
  private readonly fetchExpiresMs: number;
  private readonly ackWaitMs: number;
  private readonly onError: BusErrorListener | undefined;
  private readonly closeWaitMs: number;
  private connected = true;
  private closed = false;

  /** Connects, creates or updates the work stream, and returns the bus. */
  static async connect(url: string, options: NatsBusOptions = {}): Promise<NatsBus> {
    const prefix = options.prefix ?? 'parley';
    if (!TOKEN.test(prefix)) throw new TypeError(`invalid NATS bus prefix: ${prefix}`);
    const nc = await connect({
      servers: url,
      name: options.name ?? 'parley',
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 50,
      // Notice a silently dead broker within about 30 s rather than the default 4 minutes.
      pingInterval: 10_000,
      maxPingOut: 3,
      ...options.connection,
    });
    try {
      const jsm = await nc.jetstreamManager();
      const stream = options.stream ?? `${prefix.toUpperCase()}_WORK`;
      await ensureStream(jsm, {
        name: stream,
        subjects: [`${prefix}.work.>`],
        retention: RetentionPolicy.Workqueue,
        storage: options.storage === 'memory' ? StorageType.Memory : StorageType.File,
      });
      return new NatsBus(nc, jsm, prefix, stream, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly prefix: string,
    private readonly stream: string,
    options: NatsBusOptions,
  ) {
    this.js = nc.jetstream();
    this.busPrefix = `${prefix}.bus.`;
    this.workPrefix = `${prefix}.work.`;
    this.retryDelay = options.retryDelay ?? backoff(500, 30_000);
    this.fetchExpiresMs = options.fetchExpiresMs ?? 5_000;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.onError = options.onError;
    this.closeWaitMs = options.closeWaitMs ?? 5_000;
    void this.watchStatus();
    nc.closed().then(() => this.setConnected(false));
  }

  /** The stream holding this bus's jobs. */
  get streamName(): string {
    return this.stream;
  }

  publish(subject: string, data: string): void {
    if (!this.connected || this.closed) return;
    if (!isSubject(subject)) {
      report(this.onError, new TypeError(`invalid bus subject: ${subject}`), 'publish');
      return;
    }
    try {
      this.nc.publish(this.busPrefix + subject, data);
    } catch (error) {
      // Closed or disconnected in between: at-most-once allows dropping.
      report(this.onError, error, `publish to ${subject}`);
    }
  }

  subscribe(subject: string, handler: (data: string, subject: string) => void): Unsubscribe {
    if (this.closed) throw new Error('bus closed');
    assertSubject(subject);
    let topic = this.topics.get(subject);
    if (!topic) {
      const handlers = new Set<(data: string, subject: string) => void>();
      const sub = this.nc.subscribe(this.busPrefix + subject, {
        callback: (err, msg) => {
          if (err) {
            report(this.onError, err, `subscription to ${subject}`);
            return;
          }
          const data = msg.string();
          for (const h of handlers) {
            try {
              h(data, subject);
            } catch (error) {
              report(this.onError, error, `handler of ${subject}`);
            }
          }
        },
      });
      topic = { sub, handlers };
      this.topics.set(subject, topic);
    }
    // A fresh function per call, so subscribing one handler twice needs two unsubscribes.
    const entry = (data: string, s: string) => handler(data, s);
    topic.handlers.add(entry);
    const current = topic;
    return () => {
      if (!current.handlers.delete(entry) || current.handlers.size > 0) return;
      if (this.topics.get(subject) === current) this.topics.delete(subject);
      if (!this.nc.isClosed()) current.sub.unsubscribe();
    };
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  async enqueue(queue: string, data: string): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    assertSubject(queue, 'queue name');
    await this.js.publish(this.workPrefix + queue, data);
  }

  consume(queue: string, handler: (data: string) => Promise<void>): Unsubscribe {
    if (this.closed) throw new Error('bus closed');
    assertSubject(queue, 'queue name');
    const loop: Loop = { stopped: false, abrupt: false, batch: undefined, done: Promise.resolve() };
    loop.done = this.runLoop(loop, queue, handler);
    this.loops.add(loop);
    return () => this.stopLoop(loop);
  }

  status(): { connected: boolean } {
    return { connected: this.connected };
  }

  onStatus(listener: (connected: boolean) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  /** Stops consuming (waiting up to `closeWaitMs` for handlers in flight), drains, closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loops = [...this.loops];
    for (const loop of loops) this.stopLoop(loop, true);
    await Promise.race([
      Promise.allSettled(loops.map((l) => l.done)),
      new Promise((resolve) => setTimeout(resolve, this.closeWaitMs).unref()),
    ]);
    this.topics.clear();
    if (this.nc.isClosed()) return;
    if (this.connected) {
      await this.nc.drain().catch(() => this.nc.close());
    } else {
      await this.nc.close();
    }
  }

  /**
   * Stops a consume loop. A pull request cannot be withdrawn, so by default the loop keeps its
   * open fetch until it expires and hands back any job that still arrives on it; `abrupt` closes
   * the fetch at once, and a job that arrives on it then waits for the ack wait to pass.
   */
  private stopLoop(loop: Loop, abrupt = false): void {
    loop.stopped = true;
    loop.abrupt ||= abrupt;
    this.loops.delete(loop);
    if (abrupt) void loop.batch?.close();
  }

  private async runLoop(
    loop: Loop,
    queue: string,
    handler: (data: string) => Promise<void>,
  ): Promise<void> {
    let failures = 0;
    while (!loop.stopped) {
      try {
        const consumer = await this.consumer(queue);
        if (loop.stopped) return;
        loop.batch = await consumer.fetch({ max_messages: 1, expires: this.fetchExpiresMs });
        if (loop.abrupt) void loop.batch.close();
        for await (const msg of loop.batch) {
          if (loop.stopped) {
            // Stopped while this fetch was open: give the job straight back to other consumers.
            nakQuietly(msg);
          } else {
            await this.handle(queue, msg, handler);
          }
        }
        failures = 0;
      } catch (error) {
        if (loop.stopped || this.closed) return;
        // The consumer may be gone (stream deleted): ask for it again next time.
        this.consumers.delete(queue);
        failures++;
        report(this.onError, error, `consumer of ${queue}`);
        await sleep(Math.min(100 * 2 ** failures, 5_000));
      } finally {
        loop.batch = undefined;
      }
    }
  }

  private async handle(
    queue: string,
    msg: JsMsg,
    handler: (data: string) => Promise<void>,
  ): Promise<void> {
    try {
      await handler(msg.string());
    } catch (error) {
      report(this.onError, error, `job handler of ${queue}`);
      nakQuietly(msg, this.retryDelay(msg.info.deliveryCount));
      return;
    }
    try {
      msg.ack();
    } catch {
      // Not connected: the job is handed again after the ack wait (at-least-once).
    }
  }

  /** The durable consumer of a queue, created on first use. */
  private consumer(queue: string): Promise<Consumer> {
    let consumer = this.consumers.get(queue);
    if (!consumer) {
      consumer = this.createConsumer(queue);
      this.consumers.set(queue, consumer);
      consumer.catch(() => this.consumers.delete(queue));
    }
    return consumer;
  }

  private async createConsumer(queue: string): Promise<Consumer> {
    const durable = `${this.prefix}_q_${queue.replaceAll('_', '__').replaceAll('.', '_d')}`;
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      filter_subject: this.workPrefix + queue,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      max_deliver: -1,
    };
    try {
      await this.jsm.consumers.add(this.stream, config);
    } catch (error) {
      // Exists with another configuration (say, another ack wait): bring it up to date.
      const update = { ack_wait: config.ack_wait, max_deliver: config.max_deliver };
      await this.jsm.consumers.update(this.stream, durable, update).catch(() => {
        throw error;
      });
    }
    return this.js.consumers.get(this.stream, durable);
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect || s.type === DebugEvents.Reconnecting) {
        this.setConnected(false);
      } else if (s.type === Events.Reconnect) {
        this.setConnected(true);
      }
    }
  }

  private setConnected(connected: boolean): void {
    if (this.closed && connected) return;
    if (this.connected === connected) return;
    this.connected = connected;
    for (const listener of this.statusListeners) {
      try {
        listener(connected);
      } catch (error) {
        report(this.onError, error, 'status listener');
      }
    }
  }
}

/** Creates the stream, or updates it to `config` when it exists. */
async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  const name = config.name!;
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add(config);
      return;
    } catch {
      // Another node created it in between: fall through to update.
    }
  }
  await jsm.streams.update(name, config);
}

function nakQuietly(msg: JsMsg, delayMs?: number): void {
  try {
    msg.nak(delayMs);
  } catch {
    // Not connected: the ack wait ends and the job is handed again.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
