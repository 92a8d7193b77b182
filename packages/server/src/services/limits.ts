import { ParleyError } from '@parley/protocol';
import type { Config } from '../config.js';
import type { Limiter, RateLimitBackend } from '../ports/ratelimit.js';

/** The shared (backend) limiters, one per rule; built once by the composition root. */
export interface Limits {
  /** New WebSocket connections per IP (per second). */
  wsConnect: Limiter;
  /** Message writes per account (per second, with a burst). */
  messages: Limiter;
  /** HTTP requests per IP (per minute), by route class. */
  http: Record<RouteClass, Limiter>;
  /** Registrations per IP (per hour). */
  register: Limiter;
  /** Sign-in attempts per IP (per minute). */
  loginIp: Limiter;
  /** Failed sign-ins per account (per hour), and the back-off lock they set. */
  loginFailures: Limiter;
  loginLock: Limiter;
}

/** `auth`: sign-in, registration, refresh; `write`: other non-GET; `read`: GET/HEAD. */
export type RouteClass = 'auth' | 'write' | 'read';

export function buildLimits(config: Config, backend: RateLimitBackend): Limits {
  const msgBurst = Math.max(0, config.limitMsgsBurstPerAccount - config.limitMsgsPerAccount);
  return {
    wsConnect: backend.limiter({
      name: 'ws.conn.ip',
      points: config.limitConnRatePerIp,
      windowS: 1,
    }),
    messages: backend.limiter({
      name: 'ws.msg.acct',
      points: config.limitMsgsPerAccount,
      windowS: 1,
      burst: msgBurst,
      burstWindowS: 10,
    }),
    http: {
      auth: backend.limiter({
        name: 'http.auth.ip',
        points: config.limitHttpAuthPerMin,
        windowS: 60,
      }),
      write: backend.limiter({
        name: 'http.write.ip',
        points: config.limitHttpWritePerMin,
        windowS: 60,
      }),
      read: backend.limiter({
        name: 'http.read.ip',
        points: config.limitHttpReadPerMin,
        windowS: 60,
      }),
    },
    register: backend.limiter({
      name: 'auth.register.ip',
      points: config.limitRegisterPerIpPerHour,
      windowS: 3600,
    }),
    loginIp: backend.limiter({
      name: 'auth.login.ip',
      points: config.limitLoginPerIpPerMin,
      windowS: 60,
    }),
    // counts failures; never refuses by itself (the lock does)
    loginFailures: backend.limiter({ name: 'auth.fail.acct', points: 1_000_000, windowS: 3600 }),
    loginLock: backend.limiter({ name: 'auth.lock.acct', points: 1, windowS: 1 }),
  };
}

/** Throws `rate_limited` with the retry-after of a refused decision. */
export async function enforce(l: Limiter, key: string, cost = 1): Promise<void> {
  const d = await l.consume(key, cost);
  if (!d.ok) throw new ParleyError('rate_limited', undefined, d.retryAfterMs);
}

/**
 * Registration and sign-in attempts: per IP (a window), and per account a back-off after
 * `freeFailures` failed sign-ins — 1 s, doubling with each further failure, capped at
 * `maxBackoffS` — cleared by a successful sign-in.
 */
export class SignInGuard {
  constructor(
    private readonly limits: Limits,
    private readonly opts: { freeFailures: number; maxBackoffS: number },
  ) {}

  async beforeRegister(ip: string): Promise<void> {
    await enforce(this.limits.register, ip);
  }

  async beforeLogin(ip: string, account: string): Promise<void> {
    await enforce(this.limits.loginIp, ip);
    const lock = await this.limits.loginLock.peek(account);
    if (!lock.ok) throw new ParleyError('rate_limited', undefined, lock.retryAfterMs);
  }

  async failed(account: string): Promise<void> {
    const { consumed } = await this.limits.loginFailures.consume(account);
    const over = consumed - this.opts.freeFailures;
    if (over <= 0) return;
    const ms = Math.min(this.opts.maxBackoffS * 1000, 1000 * 2 ** Math.min(over - 1, 30));
    await this.limits.loginLock.block(account, ms);
  }

  async succeeded(account: string): Promise<void> {
    await Promise.all([
      this.limits.loginFailures.reset(account),
      this.limits.loginLock.reset(account),
    ]);
  }
}
