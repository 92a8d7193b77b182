import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter, RateDecision, RateRule } from '../../ports/ratelimit.js';

/** Builds one rate-limiter-flexible limiter for a window; the adapters pass their store. */
export type MakeLimiter = (opts: {
  keyPrefix: string;
  points: number;
  duration: number;
}) => RateLimiterAbstract;

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

function decision(res: RateLimiterRes, points: number): RateDecision {
  const ok = res.consumedPoints <= points;
  return { ok, retryAfterMs: ok ? 0 : Math.max(1, res.msBeforeNext), consumed: res.consumedPoints };
}

/**
 * The port over rate-limiter-flexible: a main window and, when the rule has a burst, a second
 * window consulted only when the main one is spent (a token bucket with a short burst).
 */
class FlexibleLimiter implements Limiter {
  private readonly main: RateLimiterAbstract;
  private readonly burst: RateLimiterAbstract | undefined;

  constructor(
    readonly rule: RateRule,
    make: MakeLimiter,
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
    const res = await settle(this.main.consume(key, cost));
    const main = decision(res, this.rule.points);
    if (main.ok || !this.burst) return main;
    // Blocked keys stay blocked: the burst never lifts a block.
    if (res.consumedPoints > this.rule.points * 1000) return main;
    const b = decision(await settle(this.burst.consume(key, cost)), this.rule.burst ?? 0);
    if (b.ok) return { ok: true, retryAfterMs: 0, consumed: main.consumed };
    return {
      ok: false,
      retryAfterMs: Math.min(main.retryAfterMs, b.retryAfterMs),
      consumed: main.consumed,
    };
  }

  async block(key: string, ms: number): Promise<void> {
    // consumed = points*1000+1 marks a block (never reached by counting in one window)
    await this.main.set(key, this.rule.points * 1000 + 1, Math.max(1, Math.ceil(ms / 1000)));
  }

  async peek(key: string): Promise<RateDecision> {
    const res = await this.main.get(key);
    if (!res) return OK;
    if (res.consumedPoints <= this.rule.points) return decision(res, this.rule.points);
    if (!this.burst || res.consumedPoints > this.rule.points * 1000) {
      return decision(res, this.rule.points);
    }
    const b = await this.burst.get(key);
    if (!b || b.consumedPoints < (this.rule.burst ?? 0))
      return { ...OK, consumed: res.consumedPoints };
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

export function makeLimiter(rule: RateRule, make: MakeLimiter, prefix: string): Limiter {
  if (!(rule.points > 0)) return new Unlimited(rule);
  return new FlexibleLimiter(rule, make, prefix);
}
