import { describe, expect, it } from 'vitest';
import { ClientFrame } from './frames.js';
import { parseHotFrame } from './hot-frames.js';
import { LIMITS } from './limits.js';

const ABSENT = Symbol('absent');
type Variant = unknown;

const long = (n: number, c = 'x') => c.repeat(n);
const ids: Variant[] = [ABSENT, 'c_1', '', long(64), long(65), 7, null, true, ['c'], { id: 'c' }];
const rids: Variant[] = [
  ABSENT,
  'r1',
  '',
  long(64),
  long(65),
  0,
  42,
  -3,
  1.5,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.NaN,
  null,
  false,
  {},
];
const cids: Variant[] = [
  ABSENT,
  'a',
  'cid-1.2_~!',
  '',
  ' a',
  'a b',
  'é',
  '\x7f',
  long(LIMITS.maxClientIdChars, 'k'),
  long(LIMITS.maxClientIdChars + 1, 'k'),
  12,
  null,
];
const texts: Variant[] = [
  ABSENT,
  'hello',
  '',
  ' ',
  '안녕하세요 👋🏽 مرحبا',
  long(LIMITS.maxTextCodePoints),
  long(LIMITS.maxTextCodePoints + 1),
  // 4,000 code points in 8,000 UTF-16 units: within the limit
  long(LIMITS.maxTextCodePoints, '😀'),
  long(LIMITS.maxTextCodePoints + 1, '😀'),
  // a lone surrogate counts as one code point
  `${long(LIMITS.maxTextCodePoints - 1)}\ud800`,
  5,
  null,
  { text: 'x' },
];
const refs: Variant[] = [ABSENT, null, 'm_1', '', long(64), long(65), 3, false];
const bools: Variant[] = [ABSENT, true, false, 'true', 1, null];
const seqs: Variant[] = [ABSENT, 0, 1, 17, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, '3', null];
const types: Variant[] = ['send', 'typing', 'read', 'ping', 'auth', 'edit', 'SEND', '', 3, ABSENT];
const extras: Variant[] = [ABSENT, 'x', { nested: true }, null];

const fields: Record<string, Variant[]> = {
  type: types,
  rid: rids,
  conv: ids,
  cid: cids,
  text: texts,
  reply_to: refs,
  thread_root: refs,
  on: bools,
  seq: seqs,
  extra: extras,
};

function build(choice: Record<string, Variant>): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(choice)) if (v !== ABSENT) f[k] = v;
  return f;
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whatever the fast path accepts, zod accepts with the very same result. */
function agrees(frame: unknown): boolean {
  const fast = parseHotFrame(frame);
  const slow = ClientFrame.safeParse(frame);
  if (fast !== undefined) {
    expect(slow.success, JSON.stringify(frame)?.slice(0, 200)).toBe(true);
    expect(fast).toStrictEqual(slow.data);
  }
  return fast !== undefined;
}

const bases: Record<string, Record<string, Variant>> = {
  send: { type: 'send', rid: 1, conv: 'c_1', cid: 'a', text: 'hello' },
  typing: { type: 'typing', conv: 'c_1' },
  read: { type: 'read', rid: 'r1', conv: 'c_1', seq: 17 },
  ping: { type: 'ping' },
};

describe('parseHotFrame', () => {
  it('takes the common valid frames itself', () => {
    for (const base of Object.values(bases)) expect(agrees(build(base))).toBe(true);
    expect(parseHotFrame({ type: 'typing', conv: 'c' })).toStrictEqual({
      type: 'typing',
      conv: 'c',
      on: true,
    });
    expect(
      parseHotFrame({ type: 'send', conv: 'c', cid: 'k', text: 'hi', reply_to: null, x: 1 }),
    ).toStrictEqual({ type: 'send', conv: 'c', cid: 'k', text: 'hi', reply_to: null });
  });

  it('leaves everything else to zod', () => {
    for (const raw of [null, 3, 'send', [], [{ type: 'send' }], { type: 'auth', token: 't' }]) {
      expect(parseHotFrame(raw)).toBeUndefined();
    }
    expect(parseHotFrame({ ...bases.send, text: '' })).toBeUndefined();
    expect(parseHotFrame({ ...bases.send, cid: 'a b' })).toBeUndefined();
    expect(parseHotFrame({ ...bases.read, seq: -1 })).toBeUndefined();
  });

  it('changes one field at a time of each valid frame: never accepts what zod refuses', () => {
    let accepted = 0;
    let total = 0;
    for (const base of Object.values(bases)) {
      for (const [k, variants] of Object.entries(fields)) {
        for (const v of variants) {
          total++;
          if (agrees(build({ ...base, [k]: v }))) accepted++;
        }
      }
    }
    // Both outcomes occur: the variants hold valid and invalid values of every field.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(total);
  });

  it('agrees with zod on 20,000 random frames', () => {
    const next = rng(20261125);
    const pick = <T>(a: T[]): T => a[Math.floor(next() * a.length)] as T;
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const choice: Record<string, Variant> = {};
      // Mostly the fields of one frame type, so that a good share of frames is valid.
      const type = pick(types);
      const base = typeof type === 'string' ? bases[type] : undefined;
      for (const [k, variants] of Object.entries(fields)) {
        choice[k] = base && k in base && next() < 0.6 ? base[k] : pick(variants);
      }
      choice.type = type;
      if (agrees(build(choice))) accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
