/**
 * The contract of the rate-limit port (`src/ports/ratelimit.ts`), run against every adapter:
 *
 * ```ts
 * rateLimitContract('memory', async () => ({ backend: new MemoryRateLimit(), cleanup: async () => {} }));
 * ```
 *
 * `factory` is called before each test. `second` (optional) opens another backend on the same
 * shared state (a second node): counters must be shared.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimitBackend } from '../../ports/ratelimit.js';

export interface RateLimitFixture {
  backend: RateLimitBackend;
  /** Another backend on the same state (another node), when the adapter shares state. */
  second?: () => Promise<RateLimitBackend>;
  cleanup: () => Promise<void>;
}

const key = () => randomBytes(6).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rateLimitContract(name: string, factory: () => Promise<RateLimitFixture>): void {
  describe(`rate-limit contract: ${name}`, () => {
    let f: RateLimitFixture;
    beforeEach(async () => {
      f = await factory();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it('allows points per window, then refuses with a retry-after within the window', async () => {
      const l = f.backend.limiter({ name: 'c1', points: 3, windowS: 2 });
      const k = key();
      for (let i = 1; i <= 3; i++) {
        expect(await l.consume(k)).toMatchObject({ ok: true, retryAfterMs: 0, consumed: i });
      }
      const no = await l.consume(k);
      expect(no.ok).toBe(false);
      expect(no.retryAfterMs).toBeGreaterThan(0);
      expect(no.retryAfterMs).toBeLessThanOrEqual(2000);
      // another key is untouched
      expect((await l.consume(key())).ok).toBe(true);
    });

    it('counts cost, and a refused consume still counts', async () => {
      const l = f.backend.limiter({ name: 'c2', points: 5, windowS: 5 });
      const k = key();
      expect((await l.consume(k, 4)).ok).toBe(true);
      expect((await l.consume(k, 2)).ok).toBe(false);
      expect((await l.peek(k)).consumed).toBe(6);
    });

    it('frees the key after the window', async () => {
      const l = f.backend.limiter({ name: 'c3', points: 1, windowS: 1 });
      const k = key();
      expect((await l.consume(k)).ok).toBe(true);
      const no = await l.consume(k);
      expect(no.ok).toBe(false);
      await sleep(no.retryAfterMs + 50);
      expect((await l.consume(k)).ok).toBe(true);
    });

    it('lets a burst through on top of the rate, then refuses', async () => {
      const l = f.backend.limiter({
        name: 'c4',
        points: 2,
        windowS: 1,
        burst: 3,
        burstWindowS: 10,
      });
      const k = key();
      const oks = [];
      for (let i = 0; i < 7; i++) oks.push((await l.consume(k)).ok);
      expect(oks).toEqual([true, true, true, true, true, false, false]);
    });

    it('keeps rules apart, blocks, peeks without counting and resets', async () => {
      const a = f.backend.limiter({ name: 'c5a', points: 1, windowS: 10 });
      const b = f.backend.limiter({ name: 'c5b', points: 1, windowS: 10 });
      const k = key();
      expect((await a.consume(k)).ok).toBe(true);
      expect((await b.consume(k)).ok).toBe(true);
      expect(await a.peek(key())).toMatchObject({ ok: true, consumed: 0 });
      expect((await a.peek(k)).ok).toBe(true);
      expect((await a.peek(k)).consumed).toBe(1);
      await b.block(k, 1500);
      const blocked = await b.peek(k);
      expect(blocked.ok).toBe(false);
      expect(blocked.retryAfterMs).toBeGreaterThan(500);
      expect((await b.consume(k)).ok).toBe(false);
      await b.reset(k);
      expect((await b.consume(k)).ok).toBe(true);
    });

    it('never limits a rule without points', async () => {
      const l = f.backend.limiter({ name: 'c6', points: 0, windowS: 1 });
      for (let i = 0; i < 100; i++) expect((await l.consume('k')).ok).toBe(true);
    });

    it('shares counters between nodes on the same state', async (t) => {
      if (!f.second) return t.skip();
      const other = await f.second();
      try {
        const k = key();
        const l1 = f.backend.limiter({ name: 'c7', points: 2, windowS: 10 });
        const l2 = other.limiter({ name: 'c7', points: 2, windowS: 10 });
        expect((await l1.consume(k)).ok).toBe(true);
        expect((await l2.consume(k)).ok).toBe(true);
        expect((await l1.consume(k)).ok).toBe(false);
        expect((await l2.consume(k)).ok).toBe(false);
      } finally {
        await other.close();
      }
    });
  });
}
