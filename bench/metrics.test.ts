import { describe, expect, it } from 'vitest';
import { parseBuckets, windowLatency } from './metrics.js';

const NAME = 'parley_ack_latency_seconds';

/** A histogram exposition with these cumulative counts for the bounds 0.005, 0.02, 0.05, +Inf. */
function text(c5: number, c20: number, c50: number, inf: number): string {
  return [
    `# TYPE ${NAME} histogram`,
    `${NAME}_bucket{le="0.005"} ${c5}`,
    `${NAME}_bucket{le="0.02"} ${c20}`,
    `${NAME}_bucket{le="0.05"} ${c50}`,
    `${NAME}_bucket{le="+Inf"} ${inf}`,
    `${NAME}_sum 1.5`,
    `${NAME}_count ${inf}`,
    'parley_store_commit_seconds_bucket{le="0.02"} 999',
  ].join('\n');
}

describe('windowLatency', () => {
  it('parses only the named histogram, +Inf included', () => {
    const b = parseBuckets(text(1, 2, 3, 4), NAME);
    expect([...b.entries()]).toEqual([
      [0.005, 1],
      [0.02, 2],
      [0.05, 3],
      [Number.POSITIVE_INFINITY, 4],
    ]);
  });

  it('counts only what was observed between the scrapes', () => {
    // Before: 100 observations, all fast. Window: 1,000 more, 985 within 20 ms, 995 within 50.
    const before = parseBuckets(text(100, 100, 100, 100), NAME);
    const after = parseBuckets(text(900, 1085, 1095, 1100), NAME);
    const w = windowLatency(before, after, 20);
    expect(w).toEqual({ count: 1000, targetMs: 20, withinTargetPct: 98.5, p99AtMostMs: 50 });
  });

  it('puts p99 in +Inf when more than 1 % are past the last bound', () => {
    const w = windowLatency(new Map(), parseBuckets(text(90, 95, 98, 100), NAME), 20);
    expect(w?.p99AtMostMs).toBe(Number.POSITIVE_INFINITY);
    expect(w?.withinTargetPct).toBe(95);
  });

  it('is null with nothing observed, no histogram, or a target that is not a bound', () => {
    const b = parseBuckets(text(1, 2, 3, 4), NAME);
    expect(windowLatency(b, b, 20)).toBeNull();
    expect(windowLatency(new Map(), parseBuckets('', NAME), 20)).toBeNull();
    expect(windowLatency(new Map(), b, 25)).toBeNull();
  });
});
