import { ParleyError } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from './sync.js';

describe('sync tokens', () => {
  it('round-trips one and several shard positions', () => {
    expect(encodeToken(0)).toBe('p.0');
    expect(decodeToken(encodeToken(123456789))).toEqual([123456789]);
    expect(decodeToken(encodeToken([5, 0, 77]), 3)).toEqual([5, 0, 77]);
  });
  it('reads a shorter token as 0 for shards added later', () => {
    expect(decodeToken('p.z', 3)).toEqual([35, 0, 0]);
  });
  it('rejects tokens it did not issue with invalid_frame', () => {
    for (const bad of [
      '',
      'p',
      'p.',
      'p.-1',
      'x.1',
      'p.1.2',
      'v.1.2.3',
      'p.zzzzzzzzzzzzz',
      'p.ABC',
    ]) {
      expect(() => decodeToken(bad, 2), bad).toThrow(ParleyError);
    }
  });
});
