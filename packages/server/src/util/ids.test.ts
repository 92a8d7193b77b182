import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('is prefixed, time-sortable and unique across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newId('m'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^m_[0-9a-hjkmnp-tv-z]{26}$/);
    const later = newId('m');
    expect(later.slice(2, 12) >= ids[0]!.slice(2, 12)).toBe(true);
  });

  it('encodes the millisecond it was made in, also after the one before', async () => {
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    const msOf = (id: string) =>
      [...id.slice(2, 12)].reduce((v, c) => v * 32 + alphabet.indexOf(c), 0);
    for (let round = 0; round < 3; round++) {
      const before = Date.now();
      const id = newId('m');
      const after = Date.now();
      expect(msOf(id)).toBeGreaterThanOrEqual(before);
      expect(msOf(id)).toBeLessThanOrEqual(after);
      await new Promise((r) => setTimeout(r, 3));
    }
  });
});
