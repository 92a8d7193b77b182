/**
 * The rate-limit port: counters with a time window, shared by every node that uses the same
 * backend. Implementations: `adapters/ratelimit/memory.ts` (one process; the default and the
 * test double) and `adapters/ratelimit/redis.ts` (a cluster). Both pass the one contract suite in
 * `src/test/contract/ratelimit.contract.ts`.
 *
 * Contract, for every implementation:
 * - `limiter(rule)` returns a limiter whose keys are namespaced by `rule.name`: two rules never
 *   share a counter, and two backends with the same prefix (two nodes) share every counter.
 * - `consume(key, cost)` adds `cost` points to the key's counter in the current window. While the
 *   total stays at or under `rule.points` (+ `rule.burst`, see below) it answers `ok: true`;
 *   above it `ok: false` and `retryAfterMs` > 0: the time until enough points are free again.
 *   A refused consume still counts (a client that keeps trying does not get through sooner).
 * - `rule.burst` (optional): extra points over `burstWindowS` (default 10 s) that a key may use on
 *   top of `points` per `windowS` — a token bucket with a short burst, built from two windows.
 * - `block(key, ms)` makes every consume of the key answer `ok: false` for `ms`.
 * - `peek(key)` answers what a consume of 0 points would, without counting anything.
 * - `reset(key)` forgets the key (a successful sign-in clears its failures).
 * - A backend that cannot be reached does not fail requests: it falls back to a per-process
 *   counter (fail-open per node, never fail-closed for everyone).
 */
export interface RateRule {
  /** Namespace of the counters, e.g. `ws.conn.ip`. Unique per rule. */
  name: string;
  /** Points per window. 0 or less: unlimited (every consume answers ok). */
  points: number;
  /** Window length in seconds. */
  windowS: number;
  /** Extra points available as a burst over `burstWindowS`. */
  burst?: number;
  burstWindowS?: number;
}

export interface RateDecision {
  ok: boolean;
  /** Milliseconds until the key may consume again; 0 when ok. */
  retryAfterMs: number;
  /** Points counted in the current window, including this consume. */
  consumed: number;
}

export interface Limiter {
  readonly rule: RateRule;
  consume(key: string, cost?: number): Promise<RateDecision>;
  block(key: string, ms: number): Promise<void>;
  peek(key: string): Promise<RateDecision>;
  reset(key: string): Promise<void>;
}

export interface RateLimitBackend {
  limiter(rule: RateRule): Limiter;
  close(): Promise<void>;
}
