import { describe, expect, it } from 'vitest';
import { parseBlocks, parseInline, plainText } from './markdown.js';

describe('parseInline', () => {
  it('keeps plain text, including HTML, as text', () => {
    expect(parseInline('<img src=x onerror=alert(1)>')).toEqual([
      { t: 'text', v: '<img src=x onerror=alert(1)>' },
    ]);
    expect(parseInline('<script>alert(1)</script>')).toEqual([
      { t: 'text', v: '<script>alert(1)</script>' },
    ]);
  });

  it('parses bold, italic and code', () => {
    expect(parseInline('a **b** *c* _d_ `e*f*`')).toEqual([
      { t: 'text', v: 'a ' },
      { t: 'bold', c: [{ t: 'text', v: 'b' }] },
      { t: 'text', v: ' ' },
      { t: 'italic', c: [{ t: 'text', v: 'c' }] },
      { t: 'text', v: ' ' },
      { t: 'italic', c: [{ t: 'text', v: 'd' }] },
      { t: 'text', v: ' ' },
      { t: 'code', v: 'e*f*' },
    ]);
  });

  it('nests italic in bold', () => {
    expect(parseInline('**a _b_**')).toEqual([
      {
        t: 'bold',
        c: [
          { t: 'text', v: 'a ' },
          { t: 'italic', c: [{ t: 'text', v: 'b' }] },
        ],
      },
    ]);
  });

  it('leaves unclosed or spaced markers literal', () => {
    expect(parseInline('2 * 3 * 4')).toEqual([{ t: 'text', v: '2 * 3 * 4' }]);
    expect(parseInline('**open')).toEqual([{ t: 'text', v: '**open' }]);
    expect(parseInline('snake_case_name')).toEqual([{ t: 'text', v: 'snake_case_name' }]);
    expect(parseInline('`')).toEqual([{ t: 'text', v: '`' }]);
  });

  it('links http(s) URLs and trims trailing punctuation', () => {
    expect(parseInline('see https://example.com/a_(b), ok')).toEqual([
      { t: 'text', v: 'see ' },
      { t: 'link', href: 'https://example.com/a_(b)', v: 'https://example.com/a_(b)' },
      { t: 'text', v: ', ok' },
    ]);
    expect(parseInline('(http://x.org/y).')).toEqual([
      { t: 'text', v: '(' },
      { t: 'link', href: 'http://x.org/y', v: 'http://x.org/y' },
      { t: 'text', v: ').' },
    ]);
  });

  it('never links other schemes', () => {
    expect(parseInline('javascript:alert(1) data:text/html,x')).toEqual([
      { t: 'text', v: 'javascript:alert(1) data:text/html,x' },
    ]);
    expect(parseInline('xhttps://a.b')).toEqual([{ t: 'text', v: 'xhttps://a.b' }]);
  });

  it('finds mentions, including Korean names, but not e-mail addresses', () => {
    expect(parseInline('hi @ann. and @민지!')).toEqual([
      { t: 'text', v: 'hi ' },
      { t: 'mention', v: 'ann' },
      { t: 'text', v: '. and ' },
      { t: 'mention', v: '민지' },
      { t: 'text', v: '!' },
    ]);
    expect(parseInline('a@b.c')).toEqual([{ t: 'text', v: 'a@b.c' }]);
  });

  it('keeps Korean and emoji text intact', () => {
    const s = '안녕하세요 👋🏽 **굵게**';
    const r = parseInline(s);
    expect(r[0]).toEqual({ t: 'text', v: '안녕하세요 👋🏽 ' });
    expect(r[1]).toEqual({ t: 'bold', c: [{ t: 'text', v: '굵게' }] });
  });
});

describe('parseBlocks', () => {
  it('splits code fences, quotes and paragraphs', () => {
    const text = 'hello\n> quoted *x*\n> more\nafter\n```ts\nconst a = "<b>";\n```\nend';
    expect(parseBlocks(text)).toEqual([
      { t: 'p', c: [{ t: 'text', v: 'hello' }] },
      {
        t: 'quote',
        c: [
          {
            t: 'p',
            c: [
              { t: 'text', v: 'quoted ' },
              { t: 'italic', c: [{ t: 'text', v: 'x' }] },
              { t: 'text', v: '\nmore' },
            ],
          },
        ],
      },
      { t: 'p', c: [{ t: 'text', v: 'after' }] },
      { t: 'pre', v: 'const a = "<b>";' },
      { t: 'p', c: [{ t: 'text', v: 'end' }] },
    ]);
  });

  it('treats an unclosed fence as text', () => {
    expect(parseBlocks('```abc')).toEqual([{ t: 'p', c: [{ t: 'text', v: '```abc' }] }]);
  });

  it('keeps markup inside code blocks literal', () => {
    expect(parseBlocks('```**a** https://x.y```')).toEqual([{ t: 'pre', v: '**a** https://x.y' }]);
  });

  it('returns nothing for empty text', () => {
    expect(parseBlocks('')).toEqual([]);
  });
});

describe('plainText', () => {
  it('strips markup for previews', () => {
    expect(plainText('**hi**\n> `x`\n```\ncode\n```')).toBe('hi x code');
  });
});
