import { describe, expect, it } from 'vitest';
import { bucketOf, bucketRange, Histogram } from './histogram.js';

function exact(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('Histogram', () => {
  it('buckets are contiguous and each value falls in its own bucket range', () => {
    let prevHi = -1;
    for (let i = 0; i < bucketOf(2 ** 31 - 1); i++) {
      const [lo, hi] = bucketRange(i);
      expect(lo).toBe(prevHi + 1);
      expect(hi).toBeGreaterThanOrEqual(lo);
      prevHi = hi;
    }
    for (const v of [0, 1, 63, 64, 65, 127, 128, 1000, 12345, 999_999, 2 ** 30 + 7]) {
      const [lo, hi] = bucketRange(bucketOf(v));
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThanOrEqual(hi);
    }
  });

  it('percentiles are within 3.2% of the exact value, max and min exact', () => {
    const h = new Histogram();
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = Math.floor(Math.exp((x / 2 ** 31) * 14)); // 1 .. ~1.2M, log-spread
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const want = exact(values, q);
      const got = h.percentile(q);
      expect(got).toBeGreaterThanOrEqual(want);
      expect(got).toBeLessThanOrEqual(Math.max(want + 1, want * 1.032));
    }
    expect(h.percentile(1)).toBe(values.at(-1));
    expect(h.max).toBe(values.at(-1));
    expect(h.min).toBe(values[0]);
    expect(h.count).toBe(values.length);
  });

  it('merging serialized parts equals recording everything in one', () => {
    const all = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    for (let i = 0; i < 3000; i++) {
      const v = (i * 7919) % 50_000;
      all.record(v);
      parts[i % 3]!.record(v);
    }
    const merged = new Histogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.toJSON())));
    expect(merged.toJSON()).toEqual(all.toJSON());
    for (const q of [0.5, 0.99]) expect(merged.percentile(q)).toBe(all.percentile(q));
  });

  it('is empty-safe and clamps negatives to 0', () => {
    const h = new Histogram();
    expect(h.percentile(0.99)).toBe(0);
    expect(h.toJSON()).toEqual({ buckets: [], count: 0, sum: 0, min: 0, max: 0 });
    h.record(-5);
    expect(h.percentile(0.5)).toBe(0);
    expect(Histogram.from(h.toJSON()).count).toBe(1);
  });
});
