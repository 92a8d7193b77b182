import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Limiter, RateLimitBackend, RateRule } from '../../ports/ratelimit.js';
import { flexibleCounter, makeLimiter } from './flexible.js';

export interface RedisRateLimitOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Prefix of every key (default `parley:rl:`); tests use a unique one. */
  prefix?: string;
}

/**
 * Rate limits shared by every node through Redis (rate-limiter-flexible's RateLimiterRedis over
 * ioredis; one atomic INCR+PEXPIRE per consume). When Redis cannot be reached, each limiter
 * falls back to a per-process counter with the same rule (the insurance limiter), so an outage
 * loosens limits to per-node ones instead of refusing every request.
 */
export class RedisRateLimit implements RateLimitBackend {
  readonly client: Redis;
  readonly prefix: string;

  constructor(opts: RedisRateLimitOptions) {
    this.prefix = opts.prefix ?? 'parley:rl:';
    this.client = new Redis(opts.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    // Errors are reported by the commands that fail (and covered by the insurance limiter).
    this.client.on('error', () => {});
  }

  /**
   * Resolves once connected, or after `timeoutMs` (then the insurance counters serve until the
   * connection comes up; ioredis keeps reconnecting).
   */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  limiter(rule: RateRule): Limiter {
    return makeLimiter(
      rule,
      (o) =>
        flexibleCounter(
          new RateLimiterRedis({
            ...o,
            storeClient: this.client,
            insuranceLimiter: new RateLimiterMemory(o),
          }),
        ),
      this.prefix,
    );
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
