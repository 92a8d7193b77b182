import type { ConvEvent, MessageEvent } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult, EventBody } from '../../../ports/store.js';
import type { Queryable } from './db.js';
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

/** Takes the next seq of the conversation; the row lock it leaves serializes its writers. */
const NEXT_SEQ = `UPDATE conversations SET last_seq = last_seq + 1, last_ts = $1
  WHERE id = $2 RETURNING last_seq`;

const SQL = {
  /** A message in one round trip: seq, event, message row (absent when (sender, cid) exists). */
  message: `WITH s AS (${NEXT_SEQ}),
  e AS (INSERT INTO events (conv, seq, sender, ts, kind, msg_id, body)
    SELECT $2::text, last_seq, $3::text, $1::bigint, 'message', $4::text, NULL FROM s
    RETURNING pos, seq),
  m AS (INSERT INTO messages
      (conv, id, seq, pos, sender, cid, ts, text, mentions, reply_to, thread_root)
    SELECT $2::text, $4::text, seq, pos, $3::text, $5::text, $1::bigint, $6::text, $7::jsonb,
      $8::text, $9::text FROM e
    ON CONFLICT (sender, cid) DO NOTHING RETURNING 1)
  SELECT e.pos, e.seq, (SELECT count(*) FROM m)::int AS inserted FROM e`,
  event: `WITH s AS (${NEXT_SEQ})
  INSERT INTO events (conv, seq, sender, ts, kind, msg_id, body)
  SELECT $2::text, last_seq, $3::text, $1::bigint, $4::text, $5::text, $6::jsonb FROM s
  RETURNING pos, seq`,
  findDup: `SELECT ${MESSAGE_COLUMNS}, pos FROM messages WHERE sender = $1 AND cid = $2`,
  edit: `UPDATE messages SET text = $1, mentions = $2::jsonb, edited_at = $3
    WHERE conv = $4 AND id = $5`,
  delete: `UPDATE messages SET text = '', mentions = '[]'::jsonb, deleted = true
    WHERE conv = $1 AND id = $2 RETURNING pos, edited_at`,
  scrubEdits: `UPDATE events SET body = body || '{"text": "", "mentions": []}'::jsonb
    WHERE conv = $1 AND pos > $2 AND msg_id = $3 AND kind = 'edit'`,
  clearReactions: 'DELETE FROM reactions WHERE conv = $1 AND msg_id = $2',
  react: `INSERT INTO reactions (conv, msg_id, emoji, user_id) VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING`,
  unreact: `DELETE FROM reactions WHERE conv = $1 AND msg_id = $2 AND emoji = $3
    AND user_id = $4`,
  memberIn: `INSERT INTO members AS mb (conv, user_id, role, read_seq, muted, joined_at, left_pos)
    VALUES ($1, $2, $3, $4, false, $5, NULL)
    ON CONFLICT (conv, user_id) DO UPDATE SET role = excluded.role,
      joined_at = CASE WHEN mb.left_pos IS NULL THEN mb.joined_at ELSE excluded.joined_at END,
      read_seq = greatest(mb.read_seq, excluded.read_seq), left_pos = NULL`,
  memberOut: `UPDATE members SET left_pos = $1 WHERE conv = $2 AND user_id = $3
    AND left_pos IS NULL`,
  memberRole: 'UPDATE members SET role = $1 WHERE conv = $2 AND user_id = $3',
  read: `UPDATE members SET read_seq = $1 WHERE conv = $2 AND user_id = $3 AND read_seq < $1
    AND left_pos IS NULL`,
  title: 'UPDATE conversations SET title = $1 WHERE id = $2',
} as const;

type OtherBody = Exclude<EventBody, { kind: 'message' }>;

/** The fields stored for a non-message event: exactly those of its kind. */
function bodyFields(b: OtherBody): Record<string, unknown> {
  switch (b.kind) {
    case 'edit':
      return { target: b.target, text: b.text, mentions: b.mentions };
    case 'delete':
      return { target: b.target };
    case 'reaction':
      return { target: b.target, emoji: b.emoji, on: b.on };
    case 'member':
      return { user: b.user, action: b.action, role: b.role };
    case 'read':
      return { read_seq: b.read_seq };
    case 'conversation':
      return { title: b.title };
  }
}

/**
 * Applies one append on a client inside a transaction: assigns the seq, stores the event and
 * updates the materialized state. The caller wraps each append in a savepoint; this throws
 * DuplicateMessage for a (sender, cid) that exists, so the savepoint undoes the seq.
 */
export class Appender {
  async apply(db: Queryable, input: AppendInput, ts: number): Promise<AppendResult> {
    const { conv, sender, body } = input;
    if (body.kind === 'read') {
      const moved = await db.query(SQL.read, [body.read_seq, conv, sender]);
      if (moved.rowCount === 0) return { event: null, pos: 0, dup: false };
    }
    if (body.kind === 'message') {
      const { rows } = await db.query<{ pos: number; seq: number; inserted: number }>(SQL.message, [
        ts,
        conv,
        sender,
        body.id,
        body.cid,
        body.text,
        JSON.stringify(body.mentions),
        body.reply_to,
        body.thread_root,
      ]);
      const row = rows[0];
      if (row === undefined) throw new ParleyError('not_found', `no conversation ${conv}`);
      if (row.inserted === 0) throw new DuplicateMessage(sender, body.cid);
      const event: MessageEvent = {
        conv,
        seq: row.seq,
        sender,
        ts,
        kind: 'message',
        id: body.id,
        cid: body.cid,
        text: body.text,
        reply_to: body.reply_to,
        thread_root: body.thread_root,
        mentions: body.mentions,
      };
      return { event, pos: row.pos, dup: false };
    }

    const fields = bodyFields(body);
    const target = 'target' in body ? body.target : null;
    const { rows } = await db.query<{ pos: number; seq: number }>(SQL.event, [
      ts,
      conv,
      sender,
      body.kind,
      target,
      JSON.stringify(fields),
    ]);
    const row = rows[0];
    if (row === undefined) throw new ParleyError('not_found', `no conversation ${conv}`);
    await this.#materialize(db, input, body, ts, row.pos, row.seq);
    const event = { conv, seq: row.seq, sender, ts, kind: body.kind, ...fields } as ConvEvent;
    return { event, pos: row.pos, dup: false };
  }

  /** The stored original of a duplicate message, with its current state. */
  async original(db: Queryable, sender: string, cid: string): Promise<AppendResult> {
    const { rows } = await db.query<MessageRow & { pos: number }>(SQL.findDup, [sender, cid]);
    const row = rows[0];
    if (row === undefined) throw new ParleyError('internal', 'duplicate message vanished');
    return { event: toMessage(row), pos: row.pos, dup: true };
  }

  async #materialize(
    db: Queryable,
    input: AppendInput,
    body: OtherBody,
    ts: number,
    pos: number,
    seq: number,
  ): Promise<void> {
    const { conv, sender } = input;
    switch (body.kind) {
      case 'edit':
        await db.query(SQL.edit, [body.text, JSON.stringify(body.mentions), ts, conv, body.target]);
        return;
      case 'delete': {
        const { rows } = await db.query<{ pos: number; edited_at: number | null }>(SQL.delete, [
          conv,
          body.target,
        ]);
        const m = rows[0];
        if (m === undefined) return;
        if (m.edited_at !== null) await db.query(SQL.scrubEdits, [conv, m.pos, body.target]);
        await db.query(SQL.clearReactions, [conv, body.target]);
        return;
      }
      case 'reaction':
        await db.query(body.on ? SQL.react : SQL.unreact, [conv, body.target, body.emoji, sender]);
        return;
      case 'member':
        if (body.action === 'join' || body.action === 'add') {
          await db.query(SQL.memberIn, [conv, body.user, body.role, seq, ts]);
        } else if (body.action === 'role') {
          await db.query(SQL.memberRole, [body.role, conv, body.user]);
        } else {
          await db.query(SQL.memberOut, [pos, conv, body.user]);
        }
        return;
      case 'conversation':
        await db.query(SQL.title, [body.title, conv]);
        return;
      case 'read':
        return;
    }
  }
}
