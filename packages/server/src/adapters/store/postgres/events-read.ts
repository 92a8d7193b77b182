import type { ConvEvent, MessageEvent } from '@parley/protocol';
import type pg from 'pg';
import type { ChangesPage, HistoryOptions, StoredEvent } from '../../../ports/store.js';
import { query } from './db.js';
import {
  EVENT_COLUMNS,
  type EventRow,
  MESSAGE_COLUMNS,
  MESSAGE_JOIN,
  type MessageRow,
  toEvent,
  toMessage,
} from './rows.js';

const GET_MESSAGE = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = $1 AND id = $2`;
const REACTIONS = `SELECT msg_id, emoji, user_id FROM reactions
  WHERE conv = $1 AND msg_id = ANY($2::text[]) ORDER BY id`;
const HEAD = 'SELECT coalesce(max(pos), 0) AS pos FROM events';

/**
 * The user's changes: for each member row that is current or ended after $1, that
 * conversation's events after $1 (up to the leave when the user left), at most $3 of each, by
 * pos. The member rows drive the loop and events(conv, pos) serves each range, so the cost
 * grows with the member rows and the changes, not with the history. The head is read in the
 * same statement (one snapshot): with no events, resuming from it skips nothing, because pos is
 * commit-ordered (docs/adr/0002).
 */
const CHANGES = `SELECT h.head, x.* FROM (SELECT coalesce(max(pos), 0) AS head FROM events) h
LEFT JOIN LATERAL (
  SELECT ${EVENT_COLUMNS} FROM members mb
  CROSS JOIN LATERAL (SELECT * FROM events e0 WHERE e0.conv = mb.conv AND e0.pos > $1
    AND (mb.left_pos IS NULL OR e0.pos <= mb.left_pos) ORDER BY e0.pos LIMIT $3) e
  ${MESSAGE_JOIN}
  WHERE mb.user_id = $2 AND (mb.left_pos IS NULL OR mb.left_pos > $1)
  ORDER BY e.pos LIMIT $3
) x ON true
ORDER BY x.pos`;

type Direction = 'after' | 'before' | 'between' | 'latest';

/**
 * SQL of one history query shape ($1 conv, $2 limit, then after, before, thread as present).
 * Plain history walks events(conv, seq). A thread query takes the root by primary key and the
 * replies by messages_thread(conv, thread_root, seq), so its cost grows with the thread.
 */
function historySql(dir: Direction, thread: boolean): string {
  let n = 2;
  const range: string[] = [];
  if (dir === 'after' || dir === 'between') range.push(`AND seq > $${++n}`);
  if (dir === 'before' || dir === 'between') range.push(`AND seq < $${++n}`);
  const order = dir === 'after' || dir === 'between' ? 'ASC' : 'DESC';
  if (!thread) {
    return `SELECT ${EVENT_COLUMNS} FROM events e ${MESSAGE_JOIN}
      WHERE e.conv = $1 ${range.join(' ').replaceAll('seq', 'e.seq')}
      ORDER BY e.seq ${order} LIMIT $2`;
  }
  const r = range.join(' ');
  const t = `$${++n}`;
  return `SELECT ${EVENT_COLUMNS} FROM (
      SELECT seq FROM messages WHERE conv = $1 AND id = ${t} ${r}
      UNION ALL
      SELECT seq FROM messages WHERE conv = $1 AND thread_root = ${t} ${r}
    ) t JOIN events e ON e.conv = $1 AND e.seq = t.seq
    JOIN messages m ON m.conv = e.conv AND m.id = e.msg_id
    ORDER BY t.seq ${order} LIMIT $2`;
}

export class EventReader {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async getMessage(conv: string, id: string): Promise<MessageEvent | null> {
    const [row] = await query<MessageRow>(this.#pool, GET_MESSAGE, [conv, id]);
    if (row === undefined) return null;
    const m = toMessage(row);
    await this.#addReactions(conv, [m]);
    return m;
  }

  async history(
    conv: string,
    opts: HistoryOptions,
  ): Promise<{ events: ConvEvent[]; more: boolean }> {
    const limit = Math.max(0, Math.floor(opts.limit));
    const dir: Direction =
      opts.after !== undefined
        ? opts.before !== undefined
          ? 'between'
          : 'after'
        : opts.before !== undefined
          ? 'before'
          : 'latest';
    const params: unknown[] = [conv, limit + 1];
    if (opts.after !== undefined) params.push(opts.after);
    if (opts.before !== undefined) params.push(opts.before);
    if (opts.thread !== undefined) params.push(opts.thread);
    const rows = await query<EventRow>(
      this.#pool,
      historySql(dir, opts.thread !== undefined),
      params,
    );
    const more = rows.length > limit;
    if (more) rows.length = limit;
    if (dir === 'before' || dir === 'latest') rows.reverse();
    const events = rows.map(toEvent);
    await this.#addReactions(
      conv,
      events.filter((e): e is MessageEvent => e.kind === 'message'),
    );
    return { events, more };
  }

  async changesSince(userId: string, sincePos: number, limit: number): Promise<ChangesPage> {
    const n = Math.max(1, Math.floor(limit));
    const rows = await query<EventRow & { head: number }>(this.#pool, CHANGES, [
      sincePos,
      userId,
      n + 1,
    ]);
    const head = rows[0]?.head ?? 0;
    const found = rows.filter((r) => r.pos !== null);
    const more = found.length > n;
    if (more) found.length = n;
    const events: StoredEvent[] = found.map((r) => ({ event: toEvent(r), pos: r.pos }));
    const last = events[events.length - 1];
    return { events, pos: last !== undefined ? last.pos : head, more };
  }

  async headPos(): Promise<number> {
    const [r] = await query<{ pos: number }>(this.#pool, HEAD);
    return r?.pos ?? 0;
  }

  async #addReactions(conv: string, messages: MessageEvent[]): Promise<void> {
    if (messages.length === 0) return;
    const byId = new Map<string, MessageEvent>();
    for (const m of messages) {
      m.reactions = {};
      byId.set(m.id, m);
    }
    const rows = await query<{ msg_id: string; emoji: string; user_id: string }>(
      this.#pool,
      REACTIONS,
      [conv, [...byId.keys()]],
    );
    for (const r of rows) {
      const reactions = byId.get(r.msg_id)?.reactions;
      if (reactions === undefined) continue;
      const users = reactions[r.emoji];
      if (users === undefined) reactions[r.emoji] = [r.user_id];
      else users.push(r.user_id);
    }
  }
}
