import { describe, expect, it } from 'vitest';
import { INLINE_BUDGET, type InlineBudget, InlineBudgetMeter } from './inline-budget.js';

/** Charges commits of these durations in one window; returns which counted as slow. */
function slowOnes(meter: InlineBudgetMeter, tooks: number[]): boolean[] {
  return tooks.map((t) => meter.charge(t));
}

describe('InlineBudgetMeter', () => {
  it('counts a commit as slow from slowMs while it has seen no commits', () => {
    const m = new InlineBudgetMeter(INLINE_BUDGET);
    expect(m.charge(1.9)).toBe(false);
    expect(new InlineBudgetMeter(INLINE_BUDGET).charge(2)).toBe(true);
  });

  it('on a fast disk, charges a 2 ms commit as slow and ends the window after four', () => {
    const m = new InlineBudgetMeter(INLINE_BUDGET);
    expect(m.left(0)).toBe(true);
    slowOnes(m, Array(50).fill(0.3)); // 15 ms
    expect(m.typicalMs).toBeLessThan(0.5);
    expect(slowOnes(m, [2, 2, 2])).toEqual([true, true, true]); // 15 + 75
    expect(m.left(10)).toBe(true);
    expect(m.charge(2)).toBe(true); // 115
    expect(m.left(20)).toBe(false);
    // The next window has all of it.
    expect(m.left(1000)).toBe(true);
  });

  it('on a disk whose every commit takes 1.5-2.5 ms, charges them what they take', () => {
    const m = new InlineBudgetMeter(INLINE_BUDGET);
    // It learns within a few dozen commits: the first ones above 2 ms still count as slow.
    const learning = slowOnes(m, Array(40).fill(1.8));
    expect(learning.some((s) => s)).toBe(false);
    expect(m.typicalMs).toBeGreaterThan(1.5);
    m.left(5000);
    // A window of 2.5 ms commits: none slow, and 40 of them use up the 100 ms.
    const window = slowOnes(m, Array(39).fill(2.5));
    expect(window.every((s) => !s)).toBe(true);
    expect(m.left(5500)).toBe(true);
    m.charge(2.5);
    expect(m.left(5600)).toBe(false);
  });

  it('still counts a stall on that disk as slow, and four end the window', () => {
    const m = new InlineBudgetMeter(INLINE_BUDGET);
    slowOnes(m, Array(100).fill(1.5));
    m.left(3000);
    expect(slowOnes(m, [1.5, 6, 1.5, 6, 6])).toEqual([false, true, false, true, true]);
    expect(m.left(3100)).toBe(true); // 3 + 75
    expect(m.charge(6)).toBe(true); // 103
    expect(m.left(3200)).toBe(false);
  });

  it('does not let a run of stalls raise the typical commit by more than 1/16 each', () => {
    const m = new InlineBudgetMeter(INLINE_BUDGET);
    slowOnes(m, Array(100).fill(0.4));
    const before = m.typicalMs;
    slowOnes(m, Array(4).fill(50));
    expect(m.typicalMs).toBeLessThan(before * (1 + 1 / 16) ** 4 + 1e-9);
    expect(m.typicalMs).toBeLessThan(0.6);
  });

  it('with slowMs and slowFactor 0 counts every commit as slow', () => {
    const b: InlineBudget = {
      ms: 1000,
      windowMs: 60_000,
      slowMs: 0,
      slowFactor: 0,
      slowChargeMs: 250,
    };
    const m = new InlineBudgetMeter(b);
    m.left(0);
    expect(slowOnes(m, [0.1, 0.1, 0.1, 0.1])).toEqual([true, true, true, true]);
    expect(m.left(1)).toBe(false);
  });

  it('with an infinite slowMs never counts a commit as slow', () => {
    const b: InlineBudget = {
      ms: 10,
      windowMs: 1000,
      slowMs: Number.POSITIVE_INFINITY,
      slowFactor: 0,
      slowChargeMs: 0,
    };
    const m = new InlineBudgetMeter(b);
    m.left(0);
    expect(slowOnes(m, [5, 4.9])).toEqual([false, false]);
    expect(m.left(1)).toBe(true);
    m.charge(0.2);
    expect(m.left(2)).toBe(false);
  });
});
