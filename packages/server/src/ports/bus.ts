/**
 * The bus port: publish/subscribe on subjects between the nodes of a cluster (and inside one
 * process), plus a durable work queue. Implementations: `adapters/bus/memory` (the embedded
 * default and the test double) and `adapters/bus/nats`. All pass
 * `src/test/contract/bus.contract.ts`.
 *
 * Contract:
 * - Subjects are dot-separated tokens of [A-Za-z0-9_-] (`conv.c_123`, `user.u_9`). Subscriptions
 *   name exact subjects; no wildcards.
 * - `publish` is fire-and-forget and at-most-once: the bus is a speed-up, never the record. A
 *   message is delivered to every subscription that exists (anywhere in the cluster) when it is
 *   published, and messages from one publisher on one subject arrive in publish order.
 * - A handler is called with exactly the string that was published. Handlers must not throw;
 *   an error thrown is caught and logged by the bus.
 * - The durable queue is at-least-once: a job enqueued is handed to one consumer of that queue,
 *   and handed again (to any consumer) if the handler rejects or the consumer dies before it
 *   resolved. Jobs of one queue are handed in enqueue order when one consumer is running.
 * - `status()` tells whether the bus currently reaches its broker (always true in memory); while
 *   it does not, `publish` drops the message and the node catches up from storage.
 */
export type Unsubscribe = () => void;

export interface PubSub {
  publish(subject: string, data: string): void;
  subscribe(subject: string, handler: (data: string, subject: string) => void): Unsubscribe;
  /**
   * Resolves once every `subscribe` made before the call is in effect at the broker, so a caller
   * can subscribe, await `flush()`, then read storage to catch up without a gap. Resolves at once
   * in memory; rejects only if the broker cannot be reached.
   */
  flush(): Promise<void>;
}

export interface WorkQueue {
  enqueue(queue: string, data: string): Promise<void>;
  /** Starts consuming; the returned function stops it. */
  consume(queue: string, handler: (data: string) => Promise<void>): Unsubscribe;
}

export interface Bus extends PubSub, WorkQueue {
  status(): { connected: boolean };
  /** Called with true/false when the connection to the broker comes or goes. */
  onStatus(listener: (connected: boolean) => void): Unsubscribe;
  close(): Promise<void>;
}
