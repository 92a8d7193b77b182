import { describe, expect, it } from 'vitest';
import { Sequencer } from './sequencer.js';

describe('Sequencer', () => {
  it('applies each (conv, seq) once', () => {
    const s = new Sequencer();
    expect(s.observe('a', 1, true)).toBe('apply');
    expect(s.observe('a', 1, true)).toBe('duplicate');
    expect(s.observe('a', 1, false)).toBe('duplicate');
    expect(s.observe('b', 1, true)).toBe('apply');
    expect(s.observe('a', 2, false)).toBe('apply');
    expect(s.last('a')).toBe(2);
  });

  it('accepts any first seq of a conversation', () => {
    const s = new Sequencer();
    expect(s.observe('a', 41, true)).toBe('apply');
    expect(s.observe('a', 42, true)).toBe('apply');
  });

  it('reports a live gap without advancing, so the sync refills it in order', () => {
    const s = new Sequencer();
    s.observe('a', 1, true);
    expect(s.observe('a', 3, true)).toBe('gap');
    expect(s.last('a')).toBe(1);
    expect(s.observe('a', 2, false)).toBe('apply');
    expect(s.observe('a', 3, false)).toBe('apply');
    expect(s.observe('a', 3, true)).toBe('duplicate');
  });

  it('trusts sync pages that skip seqs', () => {
    const s = new Sequencer();
    s.observe('a', 1, true);
    expect(s.observe('a', 5, false)).toBe('apply');
  });
});
