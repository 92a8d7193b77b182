import { describe, expect, it } from 'vitest';
import { machineCpu, parsePressureSome, parseProcStatBusy } from './procstat.js';

describe('machine CPU accounting', () => {
  it('counts user, nice, system, irq and softirq as busy, not idle, iowait or steal', () => {
    const stat = 'cpu  100 20 30 5000 40 5 6 70 0 0\ncpu0 50 10 15 2500 20 2 3 35 0 0\nintr 1\n';
    // 161 ticks at the machine's CLK_TCK (100 on Linux): 1.61 s
    expect(parseProcStatBusy(stat)).toBeCloseTo(1.61e6, -3);
  });

  it('rejects a /proc/stat without the aggregate line', () => {
    expect(() => parseProcStatBusy('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });

  it('reads the total of the "some" line of a PSI file', () => {
    const psi =
      'some avg10=3.60 avg60=24.24 avg300=28.58 total=298163183\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
    expect(parsePressureSome(psi)).toBe(298163183);
    expect(parsePressureSome('full avg10=0.00 total=5\n')).toBeUndefined();
  });

  it('reads this machine: busy time grows while a thread spins', () => {
    const a = machineCpu();
    const until = Date.now() + 50;
    while (Date.now() < until) {}
    const b = machineCpu();
    expect(b.busyUs).toBeGreaterThan(a.busyUs);
  });
});
