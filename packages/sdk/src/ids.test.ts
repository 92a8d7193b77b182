import { describe, expect, it } from 'vitest';
import { newCid } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newCid', () => {
  it('makes a UUIDv7 whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 25, 17, 30, 0, 123);
    const cid = newCid(at);
    expect(cid).toMatch(UUID_V7);
    expect(Number.parseInt(cid.replace('-', '').slice(0, 12), 16)).toBe(at);
    expect(cid.length).toBeLessThanOrEqual(64);
  });

  it('sorts by time across milliseconds, and never repeats', () => {
    const t = 1_700_000_000_000;
    const cids = Array.from({ length: 2000 }, (_, i) => newCid(t + Math.floor(i / 100)));
    expect(new Set(cids).size).toBe(cids.length);
    for (let i = 100; i < cids.length; i += 100) {
      expect(cids[i - 1]! < cids[i]!).toBe(true);
    }
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const ms = Number.parseInt(newCid().replace('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });
});
