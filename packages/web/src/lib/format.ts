/** Dates, times and lists through Intl, in the UI language. */

const cache = new Map<string, Intl.DateTimeFormat>();

function dtf(lang: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, opts);
    cache.set(key, f);
  }
  return f;
}

export function formatTime(ts: number, lang: string): string {
  return dtf(lang, { hour: 'numeric', minute: '2-digit' }).format(ts);
}

/** A full date for separators: "Monday, June 10, 2024" / "2024년 6월 10일 월요일". */
export function formatDay(ts: number, lang: string, now = Date.now()): string {
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return dtf(lang, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(ts);
}

/** Short time for the conversation list: the time today, else the date. */
export function formatShort(ts: number, lang: string, now = Date.now()): string {
  const d = new Date(ts);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) return formatTime(ts, lang);
  if (d.getFullYear() === n.getFullYear())
    return dtf(lang, { month: 'short', day: 'numeric' }).format(ts);
  return dtf(lang, { dateStyle: 'short' }).format(ts);
}

/** Full date and time for a tooltip. */
export function formatFull(ts: number, lang: string): string {
  return dtf(lang, { dateStyle: 'full', timeStyle: 'short' }).format(ts);
}

export function formatList(items: string[], lang: string): string {
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(items);
}

/** Initials for an avatar: first letter (grapheme) of the name. */
export function initial(name: string): string {
  const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of seg.segment(name.trim())) return segment.toUpperCase();
  return '?';
}

/** A stable hue for a user id, for avatar colours. */
export function hueOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}
