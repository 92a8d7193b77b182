import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Limiter, RateLimitBackend, RateRule } from '../../ports/ratelimit.js';
import { makeLimiter } from './flexible.js';

/**
 * Rate limits in this process (rate-limiter-flexible's RateLimiterMemory): the single-node
 * default and the test double. Counters of one node only.
 */
export class MemoryRateLimit implements RateLimitBackend {
  limiter(rule: RateRule): Limiter {
    return makeLimiter(rule, (o) => new RateLimiterMemory(o), '');
  }
  async close(): Promise<void> {}
}
