import type { ConvEvent } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult, EventBody } from '../../../ports/store.js';
import { messageEvent } from '../rows.js';
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
  /**
   * Many messages in one round trip (the caller holds the append lock, so nothing else writes
   * messages meanwhile). A message whose (sender, cid) is stored, or comes earlier in the same
   * batch, is a retry: it takes no seq and comes back as dup. A message to a conversation that
   * does not exist takes none either and does not come back. The others take the next seqs of
   * their conversation in batch order, and their events are inserted in that order, so pos
   * grows with seq.
   */
  messages: `WITH input AS (
    SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::text[], $10::text[])
      AS t(ord, conv, sender, id, cid, text, mentions, reply_to, thread_root)),
  fresh AS (SELECT i.* FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.sender = i.sender AND m.cid = i.cid)
      AND NOT EXISTS (SELECT 1 FROM input j
        WHERE j.sender = i.sender AND j.cid = i.cid AND j.ord < i.ord)),
  counts AS (SELECT conv, count(*)::int AS n FROM fresh GROUP BY conv),
  bumped AS (UPDATE conversations c SET last_seq = c.last_seq + counts.n, last_ts = $1
    FROM counts WHERE c.id = counts.conv RETURNING c.id, c.last_seq - counts.n AS base),
  numbered AS (SELECT f.*, (b.base + row_number() OVER (PARTITION BY f.conv ORDER BY f.ord))::int
      AS seq FROM fresh f JOIN bumped b ON b.id = f.conv),
  ev AS (INSERT INTO events (conv, seq, sender, ts, kind, msg_id, body)
    SELECT conv, seq, sender, $1, 'message', id, NULL FROM numbered ORDER BY ord
    RETURNING pos, conv, seq),
  msg AS (INSERT INTO messages
      (conv, id, seq, pos, sender, cid, ts, text, mentions, reply_to, thread_root)
    SELECT n.conv, n.id, n.seq, ev.pos, n.sender, n.cid, $1, n.text, n.mentions::jsonb,
      n.reply_to, n.thread_root
    FROM numbered n JOIN ev ON ev.conv = n.conv AND ev.seq = n.seq)
  SELECT n.ord, ev.pos, n.seq, false AS dup FROM numbered n JOIN ev ON ev.conv = n.conv
    AND ev.seq = n.seq
  UNION ALL
  SELECT i.ord, NULL, NULL, true FROM input i WHERE NOT EXISTS (SELECT 1 FROM fresh f
    WHERE f.ord = i.ord)`,
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
      return { event: messageEvent(input, row.seq, ts), pos: row.pos, dup: false };
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

  /**
   * Appends many messages in one statement. Returns, in input order, the result of each new
   * message, `dup` for a retry (the caller reads the original with `original`), or `null` for
   * a conversation that does not exist. Throws when the statement fails as a whole: the caller
   * rolls back to its savepoint and appends the messages one by one.
   */
  async applyMessages(
    db: Queryable,
    inputs: readonly AppendInput[],
    ts: number,
  ): Promise<(AppendResult | 'dup' | null)[]> {
    const cols: unknown[][] = Array.from({ length: 9 }, () => []);
    inputs.forEach((input, ord) => {
      const b = input.body as Extract<EventBody, { kind: 'message' }>;
      const row = [
        ord,
        input.conv,
        input.sender,
        b.id,
        b.cid,
        b.text,
        JSON.stringify(b.mentions),
        b.reply_to,
        b.thread_root,
      ];
      for (let i = 0; i < 9; i++) cols[i]!.push(row[i]);
    });
    const { rows } = await db.query<{
      ord: number;
      pos: number | null;
      seq: number | null;
      dup: boolean;
    }>(SQL.messages, [ts, ...cols]);
    const out: (AppendResult | 'dup' | null)[] = inputs.map(() => null);
    const lastPos = new Map<string, { seq: number; pos: number }>();
    for (const r of [...rows].sort((a, b) => a.ord - b.ord)) {
      if (r.dup) {
        out[r.ord] = 'dup';
        continue;
      }
      const input = inputs[r.ord]!;
      const pos = r.pos!;
      const seq = r.seq!;
      // Within a conversation pos must grow with seq (ADR 0002); the statement inserts in batch
      // order, and this checks it rather than trusting the plan.
      const prev = lastPos.get(input.conv);
      if (prev !== undefined && (seq <= prev.seq || pos <= prev.pos)) {
        throw new Error('batched append assigned pos out of seq order');
      }
      lastPos.set(input.conv, { seq, pos });
      out[r.ord] = { event: messageEvent(input, seq, ts), pos, dup: false };
    }
    return out;
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
