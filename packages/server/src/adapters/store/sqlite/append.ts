import type { ConvEvent } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult, EventBody } from '../../../ports/store.js';
import { messageEvent } from '../rows.js';
import type { Statements } from './db.js';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from './rows.js';

/**
 * Thrown when a message's event was stored and its row then failed (which SQLite's own
 * constraints make impossible short of a bug or a broken disk): the transaction holds half an
 * append, so the caller must roll it back, or its savepoint if it took one.
 */
export class TornAppend extends Error {
  constructor(override readonly cause: unknown) {
    super('a message event was stored without its row');
  }
}

const SQL = {
  // events(conv, seq) holds the last seq: the append reads the page it is about to write.
  nextSeq: `SELECT coalesce((SELECT max(seq) FROM events WHERE conv = c.id), 0) + 1 AS seq
    FROM conversations c WHERE c.id = ?`,
  insertEvent:
    'INSERT INTO events (conv, seq, sender, ts, kind, msg_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertMessage: `INSERT INTO messages
    (conv, id, seq, pos, sender, cid, ts, text, mentions, reply_to, thread_root)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender, cid) DO NOTHING`,
  // Takes back the event of a duplicate message; the next append reuses its seq and pos.
  deleteEvent: 'DELETE FROM events WHERE pos = ?',
  findDup: `SELECT ${MESSAGE_COLUMNS}, pos FROM messages WHERE sender = ? AND cid = ?`,
  edit: 'UPDATE messages SET text = ?, mentions = ?, edited_at = ? WHERE conv = ? AND id = ?',
  delete: `UPDATE messages SET text = '', mentions = '[]', deleted = 1 WHERE conv = ? AND id = ?
    RETURNING seq, edited_at`,
  scrubEdits: `UPDATE events SET body = json_set(body, '$.text', '', '$.mentions', json('[]'))
    WHERE conv = ? AND seq > ? AND msg_id = ? AND kind = 'edit'`,
  clearReactions: 'DELETE FROM reactions WHERE conv = ? AND msg_id = ?',
  react: `INSERT INTO reactions (conv, msg_id, emoji, user_id) VALUES (?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
  unreact: 'DELETE FROM reactions WHERE conv = ? AND msg_id = ? AND emoji = ? AND user_id = ?',
  memberIn: `INSERT INTO members (conv, user_id, role, read_seq, muted, joined_at, left_pos)
    VALUES (?, ?, ?, ?, 0, ?, NULL)
    ON CONFLICT (conv, user_id) DO UPDATE SET role = excluded.role,
      joined_at = CASE WHEN left_pos IS NULL THEN joined_at ELSE excluded.joined_at END,
      read_seq = max(read_seq, excluded.read_seq), left_pos = NULL`,
  memberOut: 'UPDATE members SET left_pos = ? WHERE conv = ? AND user_id = ? AND left_pos IS NULL',
  memberRole: 'UPDATE members SET role = ? WHERE conv = ? AND user_id = ?',
  read: `UPDATE members SET read_seq = ? WHERE conv = ? AND user_id = ? AND read_seq < ?
    AND left_pos IS NULL`,
  title: 'UPDATE conversations SET title = ? WHERE id = ?',
} as const;

/** The JSON stored for a non-message event: exactly the fields of its kind. */
function bodyJson(b: Exclude<EventBody, { kind: 'message' }>): string {
  switch (b.kind) {
    case 'edit':
      return JSON.stringify({ target: b.target, text: b.text, mentions: b.mentions });
    case 'delete':
      return JSON.stringify({ target: b.target });
    case 'reaction':
      return JSON.stringify({ target: b.target, emoji: b.emoji, on: b.on });
    case 'member':
      return JSON.stringify({ user: b.user, action: b.action, role: b.role });
    case 'read':
      return JSON.stringify({ read_seq: b.read_seq });
    case 'conversation':
      return JSON.stringify({ title: b.title });
  }
}

/**
 * Applies one append: assigns the seq, stores the event and updates the materialized state.
 * Must run inside a transaction. A message writes nothing when its (sender, cid) exists (the
 * original answers) or when it fails, except for `TornAppend`; any other kind of event may
 * throw after writing, so it runs in a savepoint of its own when others share the transaction.
 */
export class Appender {
  readonly #st: Statements;
  constructor(st: Statements) {
    this.#st = st;
  }

  apply(input: AppendInput, ts: number): AppendResult {
    const { conv, sender, body } = input;
    if (body.kind === 'message') return this.#message(input, body, ts);
    const st = this.#st;
    if (body.kind === 'read') {
      const moved = st.get(SQL.read).run(body.read_seq, conv, sender, body.read_seq).changes;
      if (moved === 0) return { event: null, pos: 0, dup: false };
    }
    const row = st.get(SQL.nextSeq).get(conv) as { seq: number } | undefined;
    if (row === undefined) throw new ParleyError('not_found', `no conversation ${conv}`);
    const seq = row.seq;
    const target = 'target' in body ? body.target : null;
    const json = bodyJson(body);
    const pos = Number(
      st.get(SQL.insertEvent).run(conv, seq, sender, ts, body.kind, target, json).lastInsertRowid,
    );
    this.#materialize(input, body, ts, pos, seq);
    const event = { conv, seq, sender, ts, kind: body.kind, ...(JSON.parse(json) as object) };
    return { event: event as ConvEvent, pos, dup: false };
  }

  /**
   * The event, then the message row. A duplicate (sender, cid) stores no row, and its event is
   * deleted again: a write only on that rare path, where a savepoint around every message of a
   * batch would cost two statements each.
   */
  #message(
    input: AppendInput,
    body: Extract<EventBody, { kind: 'message' }>,
    ts: number,
  ): AppendResult {
    const { conv, sender } = input;
    const st = this.#st;
    const next = st.get(SQL.nextSeq).get(conv) as { seq: number } | undefined;
    if (next === undefined) throw new ParleyError('not_found', `no conversation ${conv}`);
    const seq = next.seq;
    const pos = Number(
      st.get(SQL.insertEvent).run(conv, seq, sender, ts, 'message', body.id, null).lastInsertRowid,
    );
    let inserted: number;
    try {
      inserted = st
        .get(SQL.insertMessage)
        .run(
          conv,
          body.id,
          seq,
          pos,
          sender,
          body.cid,
          ts,
          body.text,
          JSON.stringify(body.mentions),
          body.reply_to,
          body.thread_root,
        ).changes;
      if (inserted === 0) st.get(SQL.deleteEvent).run(pos);
    } catch (e) {
      throw new TornAppend(e);
    }
    if (inserted === 0) return this.original(sender, body.cid);
    return { event: messageEvent(input, seq, ts), pos, dup: false };
  }

  /** The stored original of a duplicate message, with its current state. */
  original(sender: string, cid: string): AppendResult {
    const row = this.#st.get(SQL.findDup).get(sender, cid) as
      | (MessageRow & { pos: number })
      | undefined;
    if (row === undefined) throw new ParleyError('internal', 'duplicate message vanished');
    return { event: toMessage(row), pos: row.pos, dup: true };
  }

  #materialize(
    input: AppendInput,
    body: Exclude<EventBody, { kind: 'message' }>,
    ts: number,
    pos: number,
    seq: number,
  ): void {
    const st = this.#st;
    const { conv, sender } = input;
    switch (body.kind) {
      case 'edit':
        st.get(SQL.edit).run(body.text, JSON.stringify(body.mentions), ts, conv, body.target);
        return;
      case 'delete': {
        const m = st.get(SQL.delete).get(conv, body.target) as
          | { seq: number; edited_at: number | null }
          | undefined;
        if (m === undefined) return;
        if (m.edited_at !== null) st.get(SQL.scrubEdits).run(conv, m.seq, body.target);
        st.get(SQL.clearReactions).run(conv, body.target);
        return;
      }
      case 'reaction':
        st.get(body.on ? SQL.react : SQL.unreact).run(conv, body.target, body.emoji, sender);
        return;
      case 'member':
        if (body.action === 'join' || body.action === 'add') {
          st.get(SQL.memberIn).run(conv, body.user, body.role, seq, ts);
        } else if (body.action === 'role') {
          st.get(SQL.memberRole).run(body.role, conv, body.user);
        } else {
          st.get(SQL.memberOut).run(pos, conv, body.user);
        }
        return;
      case 'conversation':
        st.get(SQL.title).run(body.title, conv);
        return;
      case 'read':
        return;
    }
  }
}
