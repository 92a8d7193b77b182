import type { ConvEvent, MessageEvent } from '@parley/protocol';
import type { ChangesPage, HistoryOptions, StoredEvent } from '../../../ports/store.js';
import type { Statements } from './db.js';
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
 * The user's changes: for each member row that is current or ended after sincePos, that
 * conversation's events after sincePos (up to the leave when the user left), by pos. The member
 * rows drive the loop (CROSS JOIN fixes the order) and events(conv, pos) serves each range, so
 * the cost grows with the member rows and the changes, not with the history. The first pass
 * reads positions only (covering index, bounded sorter); the second reads the page's rows.
 */
const CHANGES_FROM = `FROM members mb CROSS JOIN events e ON e.conv = mb.conv AND e.pos > @since
  AND (mb.left_pos IS NULL OR e.pos <= mb.left_pos)`;
const CHANGES_WHERE = 'mb.user_id = @user AND (mb.left_pos IS NULL OR mb.left_pos > @since)';
const CHANGES_POS = `SELECT e.pos ${CHANGES_FROM} WHERE ${CHANGES_WHERE}
  ORDER BY e.pos LIMIT @limit`;
const CHANGES = `SELECT e.pos, e.conv, e.seq, e.sender, e.ts, e.kind, e.body,
  m.id AS m_id, m.cid AS m_cid, m.text AS m_text, m.mentions AS m_mentions,
  m.reply_to AS m_reply_to, m.thread_root AS m_thread_root, m.edited_at AS m_edited_at,
  m.deleted AS m_deleted
${CHANGES_FROM} AND e.pos <= @upto
LEFT JOIN messages m ON e.kind = 'message' AND m.conv = e.conv AND m.id = e.msg_id
WHERE ${CHANGES_WHERE}
ORDER BY e.pos`;

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

export class EventReader {
  readonly #st: Statements;
  constructor(st: Statements) {
    this.#st = st;
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

  changesSince(userId: string, sincePos: number, limit: number): ChangesPage {
    const n = Math.max(1, Math.floor(limit));
    const found = this.#st
      .get(CHANGES_POS)
      .pluck()
      .all({ since: sincePos, user: userId, limit: n + 1 }) as number[];
    const more = found.length > n;
    const upto = found[Math.min(found.length, n) - 1];
    const rows =
      upto === undefined
        ? []
        : (this.#st.get(CHANGES).all({ since: sincePos, user: userId, upto }) as EventRow[]);
    const events: StoredEvent[] = rows.map((r) => ({ event: toEvent(r), pos: r.pos }));
    const last = events[events.length - 1];
    const pos = last !== undefined ? last.pos : this.headPos();
    return { events, pos, more };
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
