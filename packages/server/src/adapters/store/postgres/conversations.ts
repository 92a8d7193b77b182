import type { Conversation } from '@parley/protocol';
import type pg from 'pg';
import type {
  ConversationSummary,
  MemberRecord,
  NewConversation,
  StoredEvent,
} from '../../../ports/store.js';
import type { Appender } from './append.js';
import { LOCK, query, transaction } from './db.js';
import {
  CONVERSATION_COLUMNS,
  type ConversationRow,
  MEMBER_COLUMNS,
  MESSAGE_COLUMNS,
  type MemberRow,
  type MessageRow,
  toConversation,
  toMember,
  toMessage,
} from './rows.js';

const GET = `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1`;
const BY_DIRECT_KEY = `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE direct_key = $1`;
const INSERT = `INSERT INTO conversations
  (id, kind, title, workspace_id, is_public, created_by, direct_key, created_at, last_ts)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`;

/** The user's current conversations with their member row, unread count, direct peer and last
 * message (as jsonb). */
const LIST = `SELECT c.id, c.kind, c.title, c.workspace_id, c.is_public, c.created_at,
  c.last_seq, c.last_ts, mb.conv, mb.user_id, mb.role, mb.read_seq, mb.muted, mb.joined_at,
  (SELECT count(*) FROM messages x WHERE x.conv = mb.conv AND x.seq > mb.read_seq
     AND x.sender <> mb.user_id AND NOT x.deleted)::int AS unread,
  CASE WHEN c.kind = 'direct' THEN coalesce(
    (SELECT p.user_id FROM members p WHERE p.conv = mb.conv AND p.user_id <> mb.user_id LIMIT 1),
    mb.user_id) END AS peer_id,
  to_jsonb(lm) AS last_message
FROM members mb JOIN conversations c ON c.id = mb.conv
LEFT JOIN LATERAL (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = mb.conv
  ORDER BY seq DESC LIMIT 1) lm ON true
WHERE mb.user_id = $1 AND mb.left_pos IS NULL
ORDER BY c.last_ts DESC, c.id COLLATE "C"`;

const CHANNELS = `SELECT c.id, c.kind, c.title, c.workspace_id, c.is_public, c.created_at,
  c.last_seq, c.last_ts, (mb.user_id IS NOT NULL) AS member
FROM conversations c
LEFT JOIN members mb ON mb.conv = c.id AND mb.user_id = $1 AND mb.left_pos IS NULL
WHERE c.workspace_id = $2 AND c.kind = 'channel' AND (c.is_public OR mb.user_id IS NOT NULL)
ORDER BY c.title COLLATE "C", c.id COLLATE "C"`;

type CreateResult = { conversation: Conversation; created: boolean; events: StoredEvent[] };

/** Conversations and their members. */
export class Conversations {
  readonly #pool: pg.Pool;
  readonly #appender: Appender;

  constructor(pool: pg.Pool, appender: Appender) {
    this.#pool = pool;
    this.#appender = appender;
  }

  /**
   * One transaction holding the append lock (it writes events). Under the lock the direct-key
   * check sees every committed conversation, so two nodes creating the same direct
   * conversation at once create it once.
   */
  createConversation(c: NewConversation): Promise<CreateResult> {
    return transaction(this.#pool, async (tx): Promise<CreateResult> => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK.space, LOCK.append]);
      const now = Date.now();
      if (c.direct_key !== null) {
        const { rows } = await tx.query<ConversationRow>(BY_DIRECT_KEY, [c.direct_key]);
        const existing = rows[0];
        if (existing !== undefined) {
          return { conversation: toConversation(existing), created: false, events: [] };
        }
      }
      await tx.query(INSERT, [
        c.id,
        c.kind,
        c.title,
        c.workspace_id,
        c.is_public,
        c.created_by,
        c.direct_key,
        now,
      ]);
      const events: StoredEvent[] = [];
      for (const m of c.members) {
        const action = m.user_id === c.created_by ? 'join' : 'add';
        const r = await this.#appender.apply(
          tx,
          {
            conv: c.id,
            sender: c.created_by,
            body: { kind: 'member', user: m.user_id, action, role: m.role },
          },
          now,
        );
        if (r.event !== null) events.push({ event: r.event, pos: r.pos });
      }
      const { rows } = await tx.query<ConversationRow>(GET, [c.id]);
      return { conversation: toConversation(rows[0]!), created: true, events };
    });
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const [r] = await query<ConversationRow>(this.#pool, GET, [id]);
    return r === undefined ? null : toConversation(r);
  }

  /** The current member row; null when the user never joined or has left. */
  async getMember(conv: string, userId: string): Promise<MemberRecord | null> {
    const [r] = await query<MemberRow>(
      this.#pool,
      `SELECT ${MEMBER_COLUMNS} FROM members
       WHERE conv = $1 AND user_id = $2 AND left_pos IS NULL`,
      [conv, userId],
    );
    return r === undefined ? null : toMember(r);
  }

  async listMembers(conv: string): Promise<MemberRecord[]> {
    const rows = await query<MemberRow>(
      this.#pool,
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE conv = $1 AND left_pos IS NULL
       ORDER BY joined_at, user_id COLLATE "C"`,
      [conv],
    );
    return rows.map(toMember);
  }

  async memberIds(conv: string): Promise<string[]> {
    const rows = await query<{ user_id: string }>(
      this.#pool,
      'SELECT user_id FROM members WHERE conv = $1 AND left_pos IS NULL',
      [conv],
    );
    return rows.map((r) => r.user_id);
  }

  async conversationIds(userId: string): Promise<string[]> {
    const rows = await query<{ conv: string }>(
      this.#pool,
      'SELECT conv FROM members WHERE user_id = $1 AND left_pos IS NULL',
      [userId],
    );
    return rows.map((r) => r.conv);
  }

  async listConversations(userId: string): Promise<ConversationSummary[]> {
    const rows = await query<
      ConversationRow &
        MemberRow & { unread: number; peer_id: string | null; last_message: MessageRow | null }
    >(this.#pool, LIST, [userId]);
    return rows.map((r) => ({
      conversation: toConversation(r),
      member: toMember(r),
      unread: r.unread,
      last_message: r.last_message === null ? null : toMessage(r.last_message),
      peer_id: r.peer_id,
    }));
  }

  async listChannels(
    workspaceId: string,
    userId: string,
  ): Promise<{ conversation: Conversation; member: boolean }[]> {
    const rows = await query<ConversationRow & { member: boolean }>(this.#pool, CHANNELS, [
      userId,
      workspaceId,
    ]);
    return rows.map((r) => ({ conversation: toConversation(r), member: r.member }));
  }

  async setMuted(conv: string, userId: string, muted: boolean): Promise<void> {
    await query(this.#pool, 'UPDATE members SET muted = $1 WHERE conv = $2 AND user_id = $3', [
      muted,
      conv,
      userId,
    ]);
  }
}
