import { describe, expect, it } from 'vitest';
import { rateLimitContract } from '../../test/contract/ratelimit.contract.js';
import { MemoryRateLimit, MemoryWindows } from './memory.js';

rateLimitContract('memory', async () => ({
  backend: new MemoryRateLimit(),
  cleanup: async () => {},
}));

describe('MemoryWindows', () => {
  it('starts a key’s window at its first count and reads an expired one as empty', () => {
    let t = 1000;
    const w = new MemoryWindows(1000, () => t);
    expect(w.add('a', 1)).toEqual({ consumed: 1, msLeft: 1000 });
    t = 1600;
    expect(w.add('a', 2)).toEqual({ consumed: 3, msLeft: 400 });
    expect(w.get('a')).toEqual({ consumed: 3, msLeft: 400 });
    t = 2000;
    expect(w.get('a')).toBeNull();
    expect(w.add('a', 1)).toEqual({ consumed: 1, msLeft: 1000 });
  });

  it('sweeps expired keys out, at most once per 10 s, without a timer per key', () => {
    let t = 0;
    const w = new MemoryWindows(1000, () => t);
    for (let i = 0; i < 1000; i++) w.add(`k${i}`, 1);
    expect(w.size).toBe(1000);
    t = 5000; // expired, but the next sweep is due at 10 s
    w.add('late', 1);
    expect(w.size).toBe(1001);
    t = 10_000;
    w.get('x');
    expect(w.size).toBe(0); // 'late' expired at 6 s
    w.set('blocked', 5, 60_000);
    t = 30_000;
    w.get('x');
    expect(w.get('blocked')).toEqual({ consumed: 5, msLeft: 40_000 });
  });
});
