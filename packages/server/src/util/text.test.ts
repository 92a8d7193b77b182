import { ParleyError } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { normalizeUsername, parseMentions } from './text.js';

describe('normalizeUsername', () => {
  it('normalizes NFC and case', () => {
    expect(normalizeUsername('  Alice ')).toBe('alice');
    // "é" as e + combining acute becomes the single code point
    expect(normalizeUsername('Re\u0301mi')).toBe('r\u00e9mi');
    expect(normalizeUsername('김민수')).toBe('김민수');
  });
  it('rejects bad names with invalid_request', () => {
    for (const bad of ['ab', 'a b c', '<script>', 'x'.repeat(33), 'a\u202eb', '']) {
      expect(() => normalizeUsername(bad)).toThrow(ParleyError);
    }
  });
});

describe('parseMentions', () => {
  it('finds distinct @names, not emails', () => {
    expect(parseMentions('hi @Bob and @bob, mail me at x@example.com @김민수.')).toEqual([
      'bob',
      '김민수',
    ]);
    expect(parseMentions('no mentions')).toEqual([]);
  });
});
