import type { Limiter, RateLimitBackend, RateRule } from '../../ports/ratelimit.js';
import { type Count, makeLimiter, type WindowCounter } from './flexible.js';

/**
 * Fixed windows of one length in a Map: a key's window starts at its first count and ends
 * `windowMs` later. Expired windows are dropped lazily (read as empty) and swept out in one pass
 * at most every `max(windowMs, 10 s)`, so the table holds only keys seen lately, and nothing
 * sets a timer per key: a consume is a Map lookup and an add.
 */
export class MemoryWindows implements WindowCounter {
  readonly #windows = new Map<string, { consumed: number; until: number }>();
  readonly #windowMs: number;
  readonly #sweepMs: number;
  #nextSweep = 0;

  constructor(
    windowMs: number,
    readonly now: () => number = Date.now,
  ) {
    this.#windowMs = windowMs;
    this.#sweepMs = Math.max(windowMs, 10_000);
  }

  /** Keys held, expired ones not yet swept included (for tests). */
  get size(): number {
    return this.#windows.size;
  }

  add(key: string, cost: number): Count {
    const now = this.#tick();
    let w = this.#windows.get(key);
    if (w === undefined || w.until <= now) {
      w = { consumed: 0, until: now + this.#windowMs };
      this.#windows.set(key, w);
    }
    w.consumed += cost;
    return { consumed: w.consumed, msLeft: w.until - now };
  }

  set(key: string, consumed: number, ms: number): void {
    const now = this.#tick();
    this.#windows.set(key, { consumed, until: now + ms });
  }

  get(key: string): Count | null {
    const now = this.#tick();
    const w = this.#windows.get(key);
    if (w === undefined || w.until <= now) return null;
    return { consumed: w.consumed, msLeft: w.until - now };
  }

  delete(key: string): void {
    this.#windows.delete(key);
  }

  #tick(): number {
    const now = this.now();
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + this.#sweepMs;
      for (const [k, w] of this.#windows) if (w.until <= now) this.#windows.delete(k);
    }
    return now;
  }
}

/** Rate limits in this process: the single-node default and the test double. */
export class MemoryRateLimit implements RateLimitBackend {
  limiter(rule: RateRule): Limiter {
    return makeLimiter(rule, (o) => new MemoryWindows(o.duration * 1000), '');
  }
  async close(): Promise<void> {}
}
