/**
 * Rows of the message list: date separators and messages, with consecutive messages of one
 * sender grouped (the first of a group shows the name and avatar).
 */

/** What the list needs of a message, whether stored on the server or still in the outbox. */
export interface TimelineItem {
  key: string;
  sender: string;
  ts: number;
}

export type Row<T extends TimelineItem> =
  | { kind: 'date'; key: string; ts: number }
  | { kind: 'msg'; key: string; item: T; first: boolean };

/** Messages of one sender within this gap are grouped. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** Local calendar day of a time, as a comparable key. */
export function localDay(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function buildRows<T extends TimelineItem>(
  items: readonly T[],
  opts: { dayOf?: (ts: number) => string; breaksGroup?: (item: T) => boolean } = {},
): Row<T>[] {
  const dayOf = opts.dayOf ?? localDay;
  const rows: Row<T>[] = [];
  let prev: T | null = null;
  let prevDay = '';
  for (const item of items) {
    const day = dayOf(item.ts);
    const newDay = day !== prevDay;
    if (newDay) rows.push({ kind: 'date', key: `d:${day}`, ts: item.ts });
    const first =
      newDay ||
      prev === null ||
      prev.sender !== item.sender ||
      item.ts - prev.ts > GROUP_GAP_MS ||
      (opts.breaksGroup?.(item) ?? false);
    rows.push({ kind: 'msg', key: item.key, item, first });
    prev = item;
    prevDay = day;
  }
  return rows;
}

/** Label kind of a date separator relative to now: today, yesterday, or a date. */
export function dayLabelKind(
  ts: number,
  now: number,
  dayOf: (ts: number) => string = localDay,
): 'today' | 'yesterday' | 'date' {
  if (dayOf(ts) === dayOf(now)) return 'today';
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (dayOf(ts) === dayOf(y.getTime())) return 'yesterday';
  return 'date';
}
