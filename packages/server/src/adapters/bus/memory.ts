/**
 * The in-process bus: the embedded single-node default and the test double of the bus port.
 *
 * Several `MemoryBus` instances can share one `MemoryHub` to stand for several nodes of a cluster
 * in one process (the contract suite does this):
 *
 * ```ts
 * const hub = new MemoryHub();
 * const nodeA = hub.bus();
 * const nodeB = hub.bus();
 * nodeB.subscribe('conv.c_1', (data) => console.log(data));
 * nodeA.publish('conv.c_1', 'hello'); // nodeB's handler runs in the next microtask
 * ```
 *
 * `new MemoryBus()` makes a bus with a private hub.
 *
 * Delivery is asynchronous, in a microtask: `publish` returns before any handler runs, as it
 * would over a network. All messages published on a hub go through one FIFO that is drained in
 * a microtask, so messages on one subject arrive in publish order for every subscriber, even when
 * a handler publishes again. A message reaches the subscriptions that exist when it is delivered
 * (the same microtask turn as the publish, unless handlers publish in a loop).
 *
 * The work queue keeps jobs in memory (at-least-once within the process): each consumer handles
 * one job at a time; jobs go to the idle consumers of a queue round-robin, in enqueue order; a job
 * whose handler rejects is put back at the head of its queue after a delay from `retryDelay`.
 * Queue names follow the subject syntax. Stopping a consumer lets its job in flight finish.
 */
import type { Bus, Unsubscribe } from '../../ports/bus.js';
import {
  assertSubject,
  type BusErrorListener,
  backoff,
  type RetryDelay,
  report,
} from './common.js';

export type { BusErrorListener, RetryDelay } from './common.js';

export const defaultRetryDelay: RetryDelay = backoff(50, 5_000);

export interface MemoryBusOptions {
  /** The hub to join; a private one when absent. */
  hub?: MemoryHub;
  /** Called with what a handler threw (pub/sub) or a job's rejection reason (queue). */
  onError?: BusErrorListener;
  /** Delay before a rejected job is handed again; `defaultRetryDelay` when absent. */
  retryDelay?: RetryDelay;
}

interface Subscription {
  handler: (data: string, subject: string) => void;
  onError: BusErrorListener | undefined;
}

interface Job {
  data: string;
  failures: number;
}

interface Consumer {
  handler: (data: string) => Promise<void>;
  busy: boolean;
  onError: BusErrorListener | undefined;
  retryDelay: RetryDelay;
}

interface Queue {
  name: string;
  jobs: Job[];
  consumers: Consumer[];
  /** Index in `consumers` where the next round-robin search starts. */
  next: number;
}

/** Shared state of the buses of one process: subscriptions, pending messages and queues. */
export class MemoryHub {
  private readonly subjects = new Map<string, Set<Subscription>>();
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending: string[] = [];
  private scheduled = false;
  private closed = false;

  /** A new bus on this hub: one "node". */
  bus(options: Omit<MemoryBusOptions, 'hub'> = {}): MemoryBus {
    return new MemoryBus({ ...options, hub: this });
  }

  /** Drops every queued job and pending retry; buses on the hub stop working. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queues.clear();
    this.subjects.clear();
    this.pending = [];
  }

  publish(subject: string, data: string): void {
    if (this.closed) return;
    // Flat pairs avoid an allocation per message.
    this.pending.push(subject, data);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  subscribe(subject: string, sub: Subscription): Unsubscribe {
    let subs = this.subjects.get(subject);
    if (!subs) {
      subs = new Set();
      this.subjects.set(subject, subs);
    }
    subs.add(sub);
    return () => {
      const current = this.subjects.get(subject);
      if (!current) return;
      current.delete(sub);
      if (current.size === 0) this.subjects.delete(subject);
    };
  }

  enqueue(name: string, data: string): void {
    if (this.closed) throw new Error('bus closed');
    const queue = this.queue(name);
    queue.jobs.push({ data, failures: 0 });
    this.dispatch(queue);
  }

  consume(name: string, consumer: Consumer): Unsubscribe {
    if (this.closed) throw new Error('bus closed');
    const queue = this.queue(name);
    queue.consumers.push(consumer);
    this.dispatch(queue);
    return () => {
      const i = queue.consumers.indexOf(consumer);
      if (i < 0) return;
      queue.consumers.splice(i, 1);
      if (queue.next > i) queue.next--;
    };
  }

  private readonly drain = (): void => {
    // Handlers may publish while we drain; their messages join the end of `pending`.
    const pending = this.pending;
    for (let i = 0; i < pending.length; i += 2) {
      const subject = pending[i]!;
      const subs = this.subjects.get(subject);
      if (!subs) continue;
      const data = pending[i + 1]!;
      for (const sub of subs) {
        try {
          sub.handler(data, subject);
        } catch (error) {
          report(sub.onError, error, `handler of ${subject}`);
        }
      }
    }
    if (this.pending === pending) pending.length = 0;
    this.scheduled = false;
  };

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { name, jobs: [], consumers: [], next: 0 };
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Hands the queue's head jobs to idle consumers, round-robin. */
  private dispatch(queue: Queue): void {
    while (queue.jobs.length > 0) {
      const consumer = this.idleConsumer(queue);
      if (!consumer) return;
      this.run(queue, consumer, queue.jobs.shift()!);
    }
  }

  private idleConsumer(queue: Queue): Consumer | undefined {
    const n = queue.consumers.length;
    for (let k = 0; k < n; k++) {
      const i = (queue.next + k) % n;
      const consumer = queue.consumers[i]!;
      if (!consumer.busy) {
        queue.next = (i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }

  private run(queue: Queue, consumer: Consumer, job: Job): void {
    const name = queue.name;
    consumer.busy = true;
    let result: Promise<void>;
    try {
      result = Promise.resolve(consumer.handler(job.data));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => {
        consumer.busy = false;
        this.dispatch(queue);
      },
      (error: unknown) => {
        consumer.busy = false;
        job.failures++;
        report(consumer.onError, error, `job handler of ${name}`);
        this.retryLater(queue, job, consumer.retryDelay(job.failures));
        this.dispatch(queue);
      },
    );
  }

  private retryLater(queue: Queue, job: Job, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      queue.jobs.unshift(job);
      this.dispatch(queue);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}

export class MemoryBus implements Bus {
  private readonly hub: MemoryHub;
  private readonly ownsHub: boolean;
  private readonly onError: BusErrorListener | undefined;
  private readonly retryDelay: RetryDelay;
  /** What `close` must undo: this bus's subscriptions and consumers. */
  private readonly owned = new Set<Unsubscribe>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.ownsHub = !options.hub;
    this.hub = options.hub ?? new MemoryHub();
    this.onError = options.onError;
    this.retryDelay = options.retryDelay ?? defaultRetryDelay;
  }

  publish(subject: string, data: string): void {
    if (!this.closed) this.hub.publish(subject, data);
  }

  subscribe(subject: string, handler: (data: string, subject: string) => void): Unsubscribe {
    if (this.closed) throw new Error('bus closed');
    assertSubject(subject);
    return this.own(this.hub.subscribe(subject, { handler, onError: this.onError }));
  }

  async flush(): Promise<void> {}

  async enqueue(queue: string, data: string): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    assertSubject(queue, 'queue name');
    this.hub.enqueue(queue, data);
  }

  consume(queue: string, handler: (data: string) => Promise<void>): Unsubscribe {
    if (this.closed) throw new Error('bus closed');
    assertSubject(queue, 'queue name');
    const consumer: Consumer = {
      handler,
      busy: false,
      onError: this.onError,
      retryDelay: this.retryDelay,
    };
    return this.own(this.hub.consume(queue, consumer));
  }

  status(): { connected: boolean } {
    return { connected: !this.closed };
  }

  onStatus(listener: (connected: boolean) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const undo of this.owned) undo();
    this.owned.clear();
    if (this.ownsHub) this.hub.close();
    for (const listener of this.statusListeners) listener(false);
    this.statusListeners.clear();
  }

  private own(undo: Unsubscribe): Unsubscribe {
    const once = () => {
      if (this.owned.delete(once)) undo();
    };
    this.owned.add(once);
    return once;
  }
}
