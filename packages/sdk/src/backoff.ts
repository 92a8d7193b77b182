/**
 * Decides how long to wait before reconnect attempt number `attempt` (1 for the first retry
 * after a lost connection), or `null` to stop reconnecting.
 *
 * @example
 * const never: ReconnectPolicy = { nextDelay: () => null };
 * const fixed: ReconnectPolicy = { nextDelay: (n) => (n <= 5 ? 1000 : null) };
 */
export interface ReconnectPolicy {
  nextDelay(attempt: number): number | null;
}

export interface ExponentialBackoffOptions {
  /** Cap of the first delay, in ms (default 500). */
  baseMs?: number;
  /** Largest cap, in ms (default 30 000). */
  maxMs?: number;
  /** Give up after this many attempts (default: never). */
  maxAttempts?: number;
  /** Source of randomness in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(maxMs, baseMs * 2^(n-1))). Jitter spreads the reconnects of many clients after a
 * server restart so they do not arrive together.
 *
 * @example
 * const policy = new ExponentialBackoff({ baseMs: 250, maxMs: 10_000, maxAttempts: 20 });
 * new ParleyClient({ baseUrl, reconnectPolicy: policy });
 */
export class ExponentialBackoff implements ReconnectPolicy {
  readonly #base: number;
  readonly #max: number;
  readonly #maxAttempts: number;
  readonly #random: () => number;

  constructor(opts: ExponentialBackoffOptions = {}) {
    this.#base = opts.baseMs ?? 500;
    this.#max = opts.maxMs ?? 30_000;
    this.#maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#random = opts.random ?? Math.random;
  }

  /** The upper bound of the delay of attempt `attempt` (without jitter). */
  cap(attempt: number): number {
    const exp = Math.min(attempt - 1, 52);
    return Math.min(this.#max, this.#base * 2 ** Math.max(0, exp));
  }

  nextDelay(attempt: number): number | null {
    if (attempt > this.#maxAttempts) return null;
    return Math.floor(this.#random() * this.cap(attempt));
  }
}
