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
});
