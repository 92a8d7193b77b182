import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { ko } from './ko.js';
import { pickLanguage } from './lang.js';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`),
  );
}

function values(o: object): string[] {
  return Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : values(v as object)));
}

describe('translations', () => {
  it('every English key exists in Korean and vice versa', () => {
    const a = keys(en).sort();
    const b = keys(ko).sort();
    expect(a.filter((k) => !b.includes(k))).toEqual([]);
    expect(b.filter((k) => !a.includes(k))).toEqual([]);
  });

  it('every plural key has its _one and _other forms', () => {
    for (const k of keys(en)) {
      if (k.endsWith('_one')) expect(keys(en)).toContain(k.replace(/_one$/, '_other'));
    }
  });

  it('uses the same interpolation variables in both languages', () => {
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    const flatKo = new Map(keys(ko).map((k, i) => [k, values(ko)[i]!]));
    keys(en).forEach((k, i) => {
      expect(vars(flatKo.get(k) ?? ''), k).toEqual(vars(values(en)[i]!));
    });
  });

  it('has no empty strings', () => {
    expect(values(en).filter((v) => v.trim() === '')).toEqual([]);
    expect(values(ko).filter((v) => v.trim() === '')).toEqual([]);
  });
});

describe('pickLanguage', () => {
  it('prefers the saved choice, then the browser, then English', () => {
    expect(pickLanguage('ko', ['en-US'])).toBe('ko');
    expect(pickLanguage(null, ['ko-KR', 'en'])).toBe('ko');
    expect(pickLanguage(null, ['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLanguage('xx', ['de'])).toBe('en');
  });
});
