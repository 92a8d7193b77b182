import { describe, expect, it } from 'vitest';
import { buildRows, dayLabelKind, GROUP_GAP_MS } from './timeline.js';

const day = (ts: number) => String(Math.floor(ts / 86_400_000));
const D = 86_400_000;

describe('buildRows', () => {
  it('inserts a date separator at each new day and groups by sender', () => {
    const items = [
      { key: 'a', sender: 'ann', ts: 1000 },
      { key: 'b', sender: 'ann', ts: 2000 },
      { key: 'c', sender: 'bob', ts: 3000 },
      { key: 'd', sender: 'bob', ts: D + 10 },
    ];
    const rows = buildRows(items, { dayOf: day });
    expect(rows.map((r) => (r.kind === 'date' ? `date:${r.key}` : `${r.key}:${r.first}`))).toEqual([
      'date:d:0',
      'a:true',
      'b:false',
      'c:true',
      'date:d:1',
      'd:true',
    ]);
  });

  it('starts a new group after a long gap or when asked', () => {
    const items = [
      { key: 'a', sender: 'ann', ts: 0 },
      { key: 'b', sender: 'ann', ts: GROUP_GAP_MS + 1 },
      { key: 'c', sender: 'ann', ts: GROUP_GAP_MS + 2, reply: true },
    ];
    const rows = buildRows(items, { dayOf: () => 'x', breaksGroup: (i) => 'reply' in i });
    expect(rows.filter((r) => r.kind === 'msg').map((r) => r.kind === 'msg' && r.first)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('returns nothing for no messages', () => {
    expect(buildRows([])).toEqual([]);
  });
});

describe('dayLabelKind', () => {
  it('says today, yesterday or date', () => {
    const now = new Date(2024, 5, 10, 12).getTime();
    expect(dayLabelKind(new Date(2024, 5, 10, 1).getTime(), now)).toBe('today');
    expect(dayLabelKind(new Date(2024, 5, 9, 23).getTime(), now)).toBe('yesterday');
    expect(dayLabelKind(new Date(2024, 5, 1).getTime(), now)).toBe('date');
  });
});
