/**
 * A light markdown subset for chat messages, parsed into a tree that the UI renders as React
 * elements (never as HTML): **bold**, *italic* / _italic_, `code`, ``` code blocks ```,
 * "> " quotes, http(s) links and @mentions. Anything else is plain text, so no user input can
 * become markup.
 */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'bold'; c: Inline[] }
  | { t: 'italic'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'link'; href: string; v: string }
  | { t: 'mention'; v: string };

export type Block = { t: 'p'; c: Inline[] } | { t: 'pre'; v: string } | { t: 'quote'; c: Block[] };

const FENCE = '```';

/** Parses a message into blocks: code fences first, then quotes and paragraphs. */
export function parseBlocks(text: string): Block[] {
  const out: Block[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf(FENCE);
    const close = open < 0 ? -1 : rest.indexOf(FENCE, open + FENCE.length);
    if (open < 0 || close < 0) break;
    out.push(...parseLines(rest.slice(0, open)));
    let code = rest.slice(open + FENCE.length, close);
    const nl = code.indexOf('\n');
    // A language tag on the opening line (```ts) is dropped; the code starts on the next line.
    if (nl >= 0 && /^[\w+-]*$/.test(code.slice(0, nl))) code = code.slice(nl + 1);
    if (code.endsWith('\n')) code = code.slice(0, -1);
    out.push({ t: 'pre', v: code });
    rest = rest.slice(close + FENCE.length);
    if (rest.startsWith('\n')) rest = rest.slice(1);
  }
  out.push(...parseLines(rest));
  return out;
}

function parseLines(text: string): Block[] {
  if (text === '') return [];
  const lines = text.replace(/\n$/, '').split('\n');
  const out: Block[] = [];
  let para: string[] = [];
  let quote: string[] = [];
  const flushPara = () => {
    if (para.length) out.push({ t: 'p', c: parseInline(para.join('\n')) });
    para = [];
  };
  const flushQuote = () => {
    if (quote.length) out.push({ t: 'quote', c: [{ t: 'p', c: parseInline(quote.join('\n')) }] });
    quote = [];
  };
  for (const line of lines) {
    const m = /^>\s?(.*)$/.exec(line);
    if (m) {
      flushPara();
      quote.push(m[1] ?? '');
    } else {
      flushQuote();
      para.push(line);
    }
  }
  flushPara();
  flushQuote();
  return out;
}

const URL_RE = /^https?:\/\/[^\s<>"'`]+/i;
const MENTION_RE = /^@([\p{L}\p{N}_.-]+)/u;
const WORD = /[\p{L}\p{N}_]/u;

/** Parses inline markup. Unclosed markers stay literal text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push({ t: 'text', v: buf });
    buf = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const prev = i > 0 ? text[i - 1]! : '';
    const rest = text.slice(i);
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ t: 'code', v: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    } else if (rest.startsWith('**')) {
      const end = findClose(text, '**', i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: 'bold', c: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    } else if ((ch === '*' || ch === '_') && !(ch === '_' && WORD.test(prev))) {
      const end = findClose(text, ch, i + 1);
      const after = end >= 0 ? (text[end + 1] ?? '') : '';
      if (end > i + 1 && !(ch === '_' && WORD.test(after))) {
        flush();
        out.push({ t: 'italic', c: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    } else if ((ch === 'h' || ch === 'H') && !WORD.test(prev)) {
      const m = URL_RE.exec(rest);
      if (m) {
        const url = trimUrl(m[0]);
        if (url.length > url.indexOf('//') + 2) {
          flush();
          out.push({ t: 'link', href: url, v: url });
          i += url.length;
          continue;
        }
      }
    } else if (ch === '@' && !WORD.test(prev)) {
      const m = MENTION_RE.exec(rest);
      if (m) {
        const name = m[1]!.replace(/[.-]+$/, '');
        if (name) {
          flush();
          out.push({ t: 'mention', v: name });
          i += name.length + 1;
          continue;
        }
      }
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

/** Index of a closing marker: not preceded by whitespace, content not starting with one. */
function findClose(text: string, marker: string, from: number): number {
  if (from >= text.length || /\s/.test(text[from]!)) return -1;
  let j = text.indexOf(marker, from);
  while (j >= 0) {
    if (j > from && !/\s/.test(text[j - 1]!)) {
      if (marker !== '*' || text[j + 1] !== '*') return j;
    }
    j = text.indexOf(marker, j + marker.length);
  }
  return -1;
}

/** Drops trailing punctuation and an unbalanced closing parenthesis from a URL. */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (last && '.,!?;:\'"'.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
    else return u;
  }
}

function count(s: string, c: string): number {
  let n = 0;
  for (const x of s) if (x === c) n++;
  return n;
}

/** The text of a message without markup, for previews and notifications. */
export function plainText(text: string): string {
  return text
    .replace(/```[\w+-]*\n?/g, '')
    .replace(/\*\*|`/g, '')
    .replace(/^>\s?/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}
