import { describe, expect, it } from 'vitest';
import { parsePressureSome } from './procstat.js';

describe('CPU pressure', () => {
  it('reads the total of the "some" line of a PSI file', () => {
    const psi =
      'some avg10=3.60 avg60=24.24 avg300=28.58 total=298163183\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
    expect(parsePressureSome(psi)).toBe(298163183);
  });

  it('gives undefined when there is no "some" line', () => {
    expect(parsePressureSome('full avg10=0.00 total=5\n')).toBeUndefined();
    expect(parsePressureSome('')).toBeUndefined();
  });
});
