import type { ConvEvent, MessageEvent } from '@parley/protocol';
import type { ChangesPage, HistoryOptions, StoredEvent } from '../../../ports/store.js';
import type { Db, Statements, Tx } from './db.js';
import {
  EVENT_SELECT,
  type EventRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  toEvent,
  toMessage,
} from './rows.js';

const GET_MESSAGE = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = ? AND id = ?`;
const REACTIONS = `SELECT msg_id, emoji, user_id FROM reactions
  WHERE conv = ? AND msg_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`;
const HEAD = 'SELECT coalesce(max(pos), 0) AS pos FROM events';

/**
 * The user's changes come from events(conv, seq) alone (there is no events(conv, pos)): within
 * one conversation pos grows with seq, because one writer assigns both in the same order, and
 * seq has no gaps. So "the events of C after pos P" are the seqs from the first one whose pos is
 * past P, found by a search from the newest event backwards (a few seeks, more only for more
 * changes), up to the user's leave event. See `changesSince`.
 */
const MEMBER_RANGES = `SELECT conv, left_pos FROM members
  WHERE user_id = ? AND (left_pos IS NULL OR left_pos > ?)`;
const NEWEST = 'SELECT seq, pos FROM events WHERE conv = ? ORDER BY seq DESC LIMIT 1';
const POS_OF_SEQ = 'SELECT pos FROM events WHERE conv = ? AND seq = ?';
const SEQ_OF_POS = 'SELECT seq FROM events WHERE pos = ?';
/** Only if seq had a gap (it has none by construction): the same answer by a scan. */
const FIRST_SEQ_AFTER_SCAN = 'SELECT min(seq) FROM events WHERE conv = ? AND pos > ?';
const RANGE_POS = `SELECT pos FROM events WHERE conv = ? AND seq BETWEEN ? AND ?
  ORDER BY seq LIMIT ?`;
const RANGE_ROWS = `${EVENT_SELECT} WHERE e.conv = ? AND e.seq BETWEEN ? AND ? ORDER BY e.seq`;

const COLUMNS = `e.pos, e.conv, e.seq, e.sender, e.ts, e.kind, e.body,
  m.id AS m_id, m.cid AS m_cid, m.text AS m_text, m.mentions AS m_mentions,
  m.reply_to AS m_reply_to, m.thread_root AS m_thread_root, m.edited_at AS m_edited_at,
  m.deleted AS m_deleted`;

type Direction = 'after' | 'before' | 'between' | 'latest';

/**
 * SQL of one history query shape. Plain history walks events(conv, seq). A thread query takes
 * the root by primary key and the replies by messages_thread(conv, thread_root, seq), so its
 * cost grows with the thread, not with the conversation.
 */
function historySql(dir: Direction, thread: boolean): string {
  const range: string[] = [];
  if (dir === 'after' || dir === 'between') range.push('AND seq > :after');
  if (dir === 'before' || dir === 'between') range.push('AND seq < :before');
  const order = dir === 'after' || dir === 'between' ? 'ASC' : 'DESC';
  if (!thread) {
    return `${EVENT_SELECT} WHERE e.conv = :conv ${range.join(' ').replaceAll('seq', 'e.seq')}
      ORDER BY e.seq ${order} LIMIT :limit`;
  }
  const r = range.join(' ');
  return `SELECT ${COLUMNS} FROM (
      SELECT seq FROM messages WHERE conv = :conv AND id = :thread ${r}
      UNION ALL
      SELECT seq FROM messages WHERE conv = :conv AND thread_root = :thread ${r}
    ) t CROSS JOIN events e ON e.conv = :conv AND e.seq = t.seq
    JOIN messages m ON m.conv = e.conv AND m.id = e.msg_id
    ORDER BY t.seq ${order} LIMIT :limit`;
}

interface SeqRange {
  conv: string;
  from: number;
  to: number;
}

export class EventReader {
  readonly #st: Statements;
  readonly #changes: Tx<(userId: string, sincePos: number, limit: number) => ChangesPage>;
  constructor(db: Db, st: Statements) {
    this.#st = st;
    // One read transaction: one snapshot, although the writer thread commits meanwhile.
    this.#changes = db.transaction((u: string, p: number, n: number) => this.#changesTx(u, p, n));
  }

  getMessage(conv: string, id: string): MessageEvent | null {
    const row = this.#st.get(GET_MESSAGE).get(conv, id) as MessageRow | undefined;
    if (row === undefined) return null;
    const m = toMessage(row);
    this.#addReactions(conv, [m]);
    return m;
  }

  history(conv: string, opts: HistoryOptions): { events: ConvEvent[]; more: boolean } {
    const limit = Math.max(0, Math.floor(opts.limit));
    const dir: Direction =
      opts.after !== undefined
        ? opts.before !== undefined
          ? 'between'
          : 'after'
        : opts.before !== undefined
          ? 'before'
          : 'latest';
    const params: Record<string, unknown> = { conv, limit: limit + 1 };
    if (opts.after !== undefined) params.after = opts.after;
    if (opts.before !== undefined) params.before = opts.before;
    if (opts.thread !== undefined) params.thread = opts.thread;
    const rows = this.#st.get(historySql(dir, opts.thread !== undefined)).all(params) as EventRow[];
    const more = rows.length > limit;
    if (more) rows.length = limit;
    if (dir === 'before' || dir === 'latest') rows.reverse();
    const events = rows.map(toEvent);
    this.#addReactions(
      conv,
      events.filter((e): e is MessageEvent => e.kind === 'message'),
    );
    return { events, more };
  }

  /**
   * The user's events after `sincePos`, by pos, at most `limit`: from every conversation the
   * user is in or left after `sincePos` (up to the leave). Cost: a few seeks per conversation,
   * plus the changes read (at most `limit` + 1 positions from each conversation).
   */
  changesSince(userId: string, sincePos: number, limit: number): ChangesPage {
    return this.#changes.deferred(userId, sincePos, limit);
  }

  #changesTx(userId: string, sincePos: number, limit: number): ChangesPage {
    const st = this.#st;
    const n = Math.max(1, Math.floor(limit));
    const members = st.get(MEMBER_RANGES).all(userId, sincePos) as {
      conv: string;
      left_pos: number | null;
    }[];
    const ranges: SeqRange[] = [];
    for (const m of members) {
      const newest = st.get(NEWEST).get(m.conv) as { seq: number; pos: number } | undefined;
      if (newest === undefined || newest.pos <= sincePos) continue;
      const from = this.#firstSeqAfter(m.conv, sincePos, newest);
      const to =
        m.left_pos === null
          ? newest.seq
          : ((st.get(SEQ_OF_POS).pluck().get(m.left_pos) as number | undefined) ?? newest.seq);
      if (from <= to) ranges.push({ conv: m.conv, from, to });
    }
    // The n + 1 smallest positions decide the page (and whether there is more).
    const found: { pos: number; range: SeqRange }[] = [];
    for (const r of ranges) {
      const ps = st
        .get(RANGE_POS)
        .pluck()
        .all(r.conv, r.from, r.to, n + 1) as number[];
      for (const pos of ps) found.push({ pos, range: r });
    }
    found.sort((a, b) => a.pos - b.pos);
    const more = found.length > n;
    if (more) found.length = n;
    // Each range's part of the page is a prefix of it: read just that many rows.
    const taken = new Map<SeqRange, number>();
    for (const f of found) taken.set(f.range, (taken.get(f.range) ?? 0) + 1);
    const rows: EventRow[] = [];
    for (const [r, k] of taken) {
      rows.push(...(st.get(RANGE_ROWS).all(r.conv, r.from, r.from + k - 1) as EventRow[]));
    }
    rows.sort((a, b) => a.pos - b.pos);
    const events: StoredEvent[] = rows.map((r) => ({ event: toEvent(r), pos: r.pos }));
    const last = events[events.length - 1];
    const pos = last !== undefined ? last.pos : this.headPos();
    return { events, pos, more };
  }

  /**
   * The first seq of `conv` whose pos is past `since`, given its newest event (whose pos is):
   * steps back from the newest by doubling distances until an event at or before `since`, then
   * bisects. O(log k) seeks for k changes.
   */
  #firstSeqAfter(conv: string, since: number, newest: { seq: number; pos: number }): number {
    const posOf = this.#st.get(POS_OF_SEQ).pluck();
    let hi = newest.seq; // pos(hi) > since
    let lo = 0; // pos(lo) <= since; seq 0 stands for "before the first event"
    for (let step = 1; hi - step > lo; step *= 2) {
      const p = posOf.get(conv, hi - step) as number | undefined;
      if (p === undefined) return this.#firstSeqAfterScan(conv, since);
      if (p > since) hi -= step;
      else {
        lo = hi - step;
        break;
      }
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const p = posOf.get(conv, mid) as number | undefined;
      if (p === undefined) return this.#firstSeqAfterScan(conv, since);
      if (p > since) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  #firstSeqAfterScan(conv: string, since: number): number {
    return this.#st.get(FIRST_SEQ_AFTER_SCAN).pluck().get(conv, since) as number;
  }

  headPos(): number {
    return (this.#st.get(HEAD).get() as { pos: number }).pos;
  }

  #addReactions(conv: string, messages: MessageEvent[]): void {
    if (messages.length === 0) return;
    const byId = new Map<string, MessageEvent>();
    for (const m of messages) {
      m.reactions = {};
      byId.set(m.id, m);
    }
    const rows = this.#st.get(REACTIONS).all(conv, JSON.stringify([...byId.keys()])) as {
      msg_id: string;
      emoji: string;
      user_id: string;
    }[];
    for (const r of rows) {
      const reactions = byId.get(r.msg_id)?.reactions;
      if (reactions === undefined) continue;
      const users = reactions[r.emoji];
      if (users === undefined) reactions[r.emoji] = [r.user_id];
      else users.push(r.user_id);
    }
  }
}
