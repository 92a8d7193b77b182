import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter, RateDecision, RateRule } from '../../ports/ratelimit.js';

/** What a window counter answers: points counted in the key's window, and ms until it ends. */
export interface Count {
  consumed: number;
  msLeft: number;
}

/**
 * One fixed window per key, the building block of a limiter: `add` counts points (a refused
 * consume counts too), `set` writes a count for `ms` (a block), `get` reads without counting.
 */
export interface WindowCounter {
  add(key: string, cost: number): Promise<Count> | Count;
  set(key: string, consumed: number, ms: number): Promise<void> | void;
  get(key: string): Promise<Count | null> | Count | null;
  delete(key: string): Promise<void> | void;
}

/** Builds the counter of one window; each adapter passes its own. */
export type MakeCounter = (opts: {
  keyPrefix: string;
  points: number;
  duration: number;
}) => WindowCounter;

/** A rate-limiter-flexible limiter (Redis, with its insurance limiter) as a window counter. */
export function flexibleCounter(l: RateLimiterAbstract): WindowCounter {
  const count = (r: RateLimiterRes): Count => ({
    consumed: r.consumedPoints,
    msLeft: r.msBeforeNext,
  });
  return {
    add: async (key, cost) => count(await settle(l.consume(key, cost))),
    set: async (key, consumed, ms) => {
      await l.set(key, consumed, Math.max(1, Math.ceil(ms / 1000)));
    },
    get: async (key) => {
      const r = await l.get(key);
      return r ? count(r) : null;
    },
    delete: async (key) => {
      await l.delete(key);
    },
  };
}

const OK: RateDecision = { ok: true, retryAfterMs: 0, consumed: 0 };

/** A rule with no points: never limits. */
class Unlimited implements Limiter {
  constructor(readonly rule: RateRule) {}
  async consume(): Promise<RateDecision> {
    return OK;
  }
  async block(): Promise<void> {}
  async peek(): Promise<RateDecision> {
    return OK;
  }
  async reset(): Promise<void> {}
}

function decision(res: Count, points: number): RateDecision {
  const ok = res.consumed <= points;
  return { ok, retryAfterMs: ok ? 0 : Math.max(1, res.msLeft), consumed: res.consumed };
}

/**
 * The port over window counters: a main window and, when the rule has a burst, a second
 * window consulted only when the main one is spent (a token bucket with a short burst).
 */
class WindowLimiter implements Limiter {
  private readonly main: WindowCounter;
  private readonly burst: WindowCounter | undefined;

  constructor(
    readonly rule: RateRule,
    make: MakeCounter,
    prefix: string,
  ) {
    const keyPrefix = `${prefix}${rule.name}`;
    this.main = make({ keyPrefix, points: rule.points, duration: rule.windowS });
    if (rule.burst && rule.burst > 0) {
      this.burst = make({
        keyPrefix: `${keyPrefix}:burst`,
        points: rule.burst,
        duration: rule.burstWindowS ?? 10,
      });
    }
  }

  async consume(key: string, cost = 1): Promise<RateDecision> {
    const main = decision(await this.main.add(key, cost), this.rule.points);
    if (main.ok || !this.burst) return main;
    // Blocked keys stay blocked: the burst never lifts a block.
    if (main.consumed > this.rule.points * 1000) return main;
    const b = decision(await this.burst.add(key, cost), this.rule.burst ?? 0);
    if (b.ok) return { ok: true, retryAfterMs: 0, consumed: main.consumed };
    return {
      ok: false,
      retryAfterMs: Math.min(main.retryAfterMs, b.retryAfterMs),
      consumed: main.consumed,
    };
  }

  async block(key: string, ms: number): Promise<void> {
    // consumed = points*1000+1 marks a block (never reached by counting in one window)
    await this.main.set(key, this.rule.points * 1000 + 1, ms);
  }

  async peek(key: string): Promise<RateDecision> {
    const res = await this.main.get(key);
    if (!res) return OK;
    if (res.consumed <= this.rule.points) return decision(res, this.rule.points);
    if (!this.burst || res.consumed > this.rule.points * 1000) {
      return decision(res, this.rule.points);
    }
    const b = await this.burst.get(key);
    if (!b || b.consumed < (this.rule.burst ?? 0)) return { ...OK, consumed: res.consumed };
    return decision(res, this.rule.points);
  }

  async reset(key: string): Promise<void> {
    await Promise.all([this.main.delete(key), this.burst?.delete(key)]);
  }
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit: either is a result. */
async function settle(p: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof RateLimiterRes) return e;
    throw e;
  }
}

export function makeLimiter(rule: RateRule, make: MakeCounter, prefix: string): Limiter {
  if (!(rule.points > 0)) return new Unlimited(rule);
  return new WindowLimiter(rule, make, prefix);
}
