import { describe, expect, it } from 'vitest';
import { checks, machineNote, median, type StepResult, type TargetResult } from './report.js';
import { scenario } from './scenarios.js';

const q = (p99: number) => ({ count: 100, p50: 1, p99, max: p99, mean: 1 });

function step(rate: number, cpuUsPerDelivery: number, loss = 0): StepResult {
  return {
    rate,
    sentPerS: rate,
    deliveriesPerS: rate * 99,
    expected: 1000,
    received: 1000 - loss,
    loss,
    lossPct: loss / 10,
    latencyMs: q(5),
    ackMs: q(4),
    acked: 1000,
    unacked: 0,
    serverCpuCores: 0.1,
    cpuUsPerDelivery,
    loadgenCpuCores: 0.1,
    drainMs: 3000,
    maxSendLagMs: 0,
    errors: {},
    closes: 0,
    unknown: 0,
  };
}

const target = (kind: TargetResult['kind'], round: number, steps: StepResult[]): TargetResult => ({
  kind,
  round,
  status: 'ok',
  setupMs: 0,
  steps,
});

function s1(rounds: [number, number, number?][]) {
  const targets = rounds.flatMap(([p, b, loss], i) => [
    target('parley', i + 1, [step(50, p, loss)]),
    target('raw-ws', i + 1, [step(50, b)]),
  ]);
  return {
    scenario: 'S1' as const,
    title: 'S1',
    quick: false,
    date: '2026-11-25',
    machine: {},
    config: scenario('S1', false),
    rounds: rounds.length,
    targets,
  };
}

describe('machineNote', () => {
  it("gives the machine's CPU wait, and nothing when it was not read", () => {
    expect(machineNote({ ...step(50, 1), cpuWaitPct: 24.4 })).toBe('CPU wait 24%');
    expect(machineNote(step(50, 1))).toBe('');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, and skips NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('checks over rounds', () => {
  it('judges the CPU ratio by the median round, each round against its own raw ws', () => {
    // Ratios 1.5, 1.1, 1.0: one bad round does not decide.
    const lines = checks(
      s1([
        [15, 10],
        [11, 10],
        [8, 8],
      ]),
    );
    expect(lines.filter((l) => l.startsWith('round '))).toHaveLength(3);
    expect(lines[0]).toMatch(/^round 1: .*1\.50x raw ws .*FAIL$/);
    const last = lines.at(-1)!;
    expect(last).toMatch(/median of 3 rounds/);
    expect(last).toMatch(/CPU\/delivery 1\.10x raw ws .*rounds 1\.50, 1\.10, 1\.00\) PASS$/);
  });

  it('fails when the median round is over, and loss in any round fails', () => {
    expect(
      checks(
        s1([
          [15, 10],
          [13, 10],
          [8, 8],
        ]),
      ).at(-1),
    ).toMatch(/1\.30x .* FAIL$/);
    expect(
      checks(
        s1([
          [10, 10],
          [10, 10, 3],
          [10, 10],
        ]),
      ).at(-1),
    ).toMatch(/loss 3 in the worst round \(target 0\) FAIL/);
  });

  it('keeps the single-round form when there is one round', () => {
    const lines = checks(s1([[11, 10]]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^S1 50 msgs\/s: .*1\.10x raw ws \(<= 1\.2\) PASS$/);
  });
});

describe('S2 checks', () => {
  /** Rounds of S2 at 8,000 msgs/s: [p99 ack ms, sends refused as overloaded]. */
  function s2(rounds: [number, number][]) {
    const targets = rounds.map(([ack, refused], i) => {
      const s = { ...step(8000, 100, refused), ackMs: q(ack), unacked: refused };
      return target('parley', i + 1, [s]);
    });
    return { ...s1([]), scenario: 'S2' as const, config: scenario('S2', false), targets };
  }

  it('counts a refused send once as lost and once as unacked, not their sum', () => {
    const lines = checks({
      ...s2([
        [10, 0],
        [12, 7],
        [11, 0],
      ]),
      rounds: 3,
    });
    expect(lines.at(-1)).toMatch(/loss 7, unacked 7 in the worst round \(target 0\) FAIL/);
    expect(lines.at(-1)).toMatch(/p99 ack 11\.0 ms \(<= 20\) PASS/);
    expect(lines[1]).toMatch(/^round 2: S2 8000 msgs\/s: loss 7, unacked 7 \(target 0\) FAIL/);
  });
});
