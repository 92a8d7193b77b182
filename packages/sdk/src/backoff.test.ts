import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './backoff.js';

describe('ExponentialBackoff', () => {
  it('doubles the cap per attempt up to maxMs', () => {
    const p = new ExponentialBackoff({ baseMs: 100, maxMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => p.cap(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(p.cap(10_000)).toBe(1000);
  });

  it('uses full jitter: a random share of the cap', () => {
    const low = new ExponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    const high = new ExponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(low.nextDelay(3)).toBe(0);
    expect(high.nextDelay(3)).toBe(399);
    const real = new ExponentialBackoff({ baseMs: 100, maxMs: 1000 });
    for (let i = 0; i < 200; i++) {
      const d = real.nextDelay(4)!;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(800);
    }
  });

  it('gives up after maxAttempts', () => {
    const p = new ExponentialBackoff({ maxAttempts: 2, random: () => 0.5 });
    expect(p.nextDelay(1)).not.toBeNull();
    expect(p.nextDelay(2)).not.toBeNull();
    expect(p.nextDelay(3)).toBeNull();
  });
});
