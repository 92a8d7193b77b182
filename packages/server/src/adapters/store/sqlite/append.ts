import type { ConvEvent } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult, EventBody } from '../../../ports/store.js';
import { messageEvent } from '../rows.js';
import type { Statements } from './db.js';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from './rows.js';

/** Thrown inside an append's savepoint when (sender, cid) exists, so the savepoint rolls back. */
export class DuplicateMessage extends Error {
  constructor(
    readonly sender: string,
    readonly cid: string,
  ) {
    super('duplicate message');
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
 * Must run inside a transaction (one savepoint per append); throws DuplicateMessage for a
 * (sender, cid) that exists, after writing, so the caller's savepoint undoes the writes.
 */
export class Appender {
  readonly #st: Statements;
  constructor(st: Statements) {
    this.#st = st;
  }

  apply(input: AppendInput, ts: number): AppendResult {
    const { conv, sender, body } = input;
    const st = this.#st;
    if (body.kind === 'read') {
      const moved = st.get(SQL.read).run(body.read_seq, conv, sender, body.read_seq).changes;
      if (moved === 0) return { event: null, pos: 0, dup: false };
    }
    const row = st.get(SQL.nextSeq).get(conv) as { seq: number } | undefined;
    if (row === undefined) throw new ParleyError('not_found', `no conversation ${conv}`);
    const seq = row.seq;
    const base = { conv, seq, sender, ts };

    if (body.kind === 'message') {
      const pos = Number(
        st.get(SQL.insertEvent).run(conv, seq, sender, ts, 'message', body.id, null)
          .lastInsertRowid,
      );
      const inserted = st
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
      if (inserted === 0) throw new DuplicateMessage(sender, body.cid);
      return { event: messageEvent(input, seq, ts), pos, dup: false };
    }

    const target = 'target' in body ? body.target : null;
    const json = bodyJson(body);
    const pos = Number(
      st.get(SQL.insertEvent).run(conv, seq, sender, ts, body.kind, target, json).lastInsertRowid,
    );
    this.#materialize(input, body, ts, pos, seq);
    const event = { ...base, kind: body.kind, ...(JSON.parse(json) as object) } as ConvEvent;
    return { event, pos, dup: false };
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
