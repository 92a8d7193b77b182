import type { Conversation } from '@parley/protocol';
import type {
  ConversationSummary,
  MemberRecord,
  NewConversation,
  StoredEvent,
} from '../../../ports/store.js';
import type { Appender } from './append.js';
import type { Db, Statements, Tx } from './db.js';
import {
  type ConversationRow,
  MEMBER_COLUMNS,
  MESSAGE_COLUMNS,
  type MemberRow,
  type MessageRow,
  toConversation,
  toMember,
  toMessage,
} from './rows.js';

/**
 * A conversation's columns (as `c`), with its last seq and time read from its newest event:
 * two seeks at the end of events(conv, seq), so that no append rewrites a conversation row.
 */
const COLUMNS = `c.id, c.kind, c.title, c.workspace_id, c.is_public, c.created_at,
  coalesce((SELECT max(seq) FROM events WHERE conv = c.id), 0) AS last_seq,
  coalesce((SELECT ts FROM events WHERE conv = c.id ORDER BY seq DESC LIMIT 1), c.created_at)
    AS last_ts`;
const GET = `SELECT ${COLUMNS} FROM conversations c WHERE c.id = ?`;
const BY_DIRECT_KEY = `SELECT ${COLUMNS} FROM conversations c WHERE c.direct_key = ?`;
const INSERT = `INSERT INTO conversations
  (id, kind, title, workspace_id, is_public, created_by, direct_key, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const M_COLUMNS = MESSAGE_COLUMNS.split(', ')
  .map((c) => `m.${c}`)
  .join(', ');
/** Walks events(conv, seq) from the newest, skipping the few events that are not messages. */
const LAST_MESSAGE = `SELECT ${M_COLUMNS} FROM events e
  JOIN messages m ON m.conv = e.conv AND m.id = e.msg_id
  WHERE e.conv = ? AND e.kind = 'message' ORDER BY e.seq DESC LIMIT 1`;

/** The user's current conversations with their member row, unread count and direct peer. */
const LIST = `SELECT ${COLUMNS}, mb.conv, mb.user_id, mb.role, mb.read_seq, mb.muted, mb.joined_at,
  (SELECT count(*) FROM events x JOIN messages m ON m.conv = x.conv AND m.id = x.msg_id
     WHERE x.conv = mb.conv AND x.seq > mb.read_seq AND x.kind = 'message'
     AND x.sender <> mb.user_id AND m.deleted = 0) AS unread,
  CASE WHEN c.kind = 'direct' THEN coalesce(
    (SELECT p.user_id FROM members p WHERE p.conv = mb.conv AND p.user_id <> mb.user_id LIMIT 1),
    mb.user_id) END AS peer_id
FROM members mb JOIN conversations c ON c.id = mb.conv
WHERE mb.user_id = ? AND mb.left_pos IS NULL
ORDER BY last_ts DESC, c.id`;

const CHANNELS = `SELECT ${COLUMNS}, (mb.user_id IS NOT NULL) AS member
FROM conversations c
LEFT JOIN members mb ON mb.conv = c.id AND mb.user_id = ? AND mb.left_pos IS NULL
WHERE c.workspace_id = ? AND c.kind = 'channel' AND (c.is_public = 1 OR mb.user_id IS NOT NULL)
ORDER BY c.title, c.id`;

type CreateResult = { conversation: Conversation; created: boolean; events: StoredEvent[] };

/** Conversations and their members. */
export class Conversations {
  readonly #st: Statements;
  readonly #create: Tx<(c: NewConversation, now: number) => CreateResult>;

  constructor(db: Db, st: Statements, appender: Appender) {
    this.#st = st;
    this.#create = db.transaction((c: NewConversation, now: number): CreateResult => {
      if (c.direct_key !== null) {
        const existing = st.get(BY_DIRECT_KEY).get(c.direct_key) as ConversationRow | undefined;
        if (existing !== undefined) {
          return { conversation: toConversation(existing), created: false, events: [] };
        }
      }
      st.get(INSERT).run(
        c.id,
        c.kind,
        c.title,
        c.workspace_id,
        c.is_public ? 1 : 0,
        c.created_by,
        c.direct_key,
        now,
      );
      const events: StoredEvent[] = [];
      for (const m of c.members) {
        const action = m.user_id === c.created_by ? 'join' : 'add';
        const r = appender.apply(
          {
            conv: c.id,
            sender: c.created_by,
            body: { kind: 'member', user: m.user_id, action, role: m.role },
          },
          now,
        );
        if (r.event !== null) events.push({ event: r.event, pos: r.pos });
      }
      const row = st.get(GET).get(c.id) as ConversationRow;
      return { conversation: toConversation(row), created: true, events };
    });
  }

  createConversation(c: NewConversation): CreateResult {
    return this.#create.immediate(c, Date.now());
  }

  getConversation(id: string): Conversation | null {
    const r = this.#st.get(GET).get(id) as ConversationRow | undefined;
    return r === undefined ? null : toConversation(r);
  }

  /** The current member row; null when the user never joined or has left. */
  getMember(conv: string, userId: string): MemberRecord | null {
    const r = this.#st
      .get(
        `SELECT ${MEMBER_COLUMNS} FROM members
         WHERE conv = ? AND user_id = ? AND left_pos IS NULL`,
      )
      .get(conv, userId) as MemberRow | undefined;
    return r === undefined ? null : toMember(r);
  }

  listMembers(conv: string): MemberRecord[] {
    const rows = this.#st
      .get(
        `SELECT ${MEMBER_COLUMNS} FROM members WHERE conv = ? AND left_pos IS NULL
         ORDER BY joined_at, user_id`,
      )
      .all(conv) as MemberRow[];
    return rows.map(toMember);
  }

  memberIds(conv: string): string[] {
    return this.#st
      .get('SELECT user_id FROM members WHERE conv = ? AND left_pos IS NULL')
      .pluck()
      .all(conv) as string[];
  }

  conversationIds(userId: string): string[] {
    return this.#st
      .get('SELECT conv FROM members WHERE user_id = ? AND left_pos IS NULL')
      .pluck()
      .all(userId) as string[];
  }

  listConversations(userId: string): ConversationSummary[] {
    const rows = this.#st.get(LIST).all(userId) as (ConversationRow &
      MemberRow & { unread: number; peer_id: string | null })[];
    const last = this.#st.get(LAST_MESSAGE);
    return rows.map((r) => {
      const m = last.get(r.id) as MessageRow | undefined;
      return {
        conversation: toConversation(r),
        member: toMember(r),
        unread: r.unread,
        last_message: m === undefined ? null : toMessage(m),
        peer_id: r.peer_id,
      };
    });
  }

  listChannels(
    workspaceId: string,
    userId: string,
  ): { conversation: Conversation; member: boolean }[] {
    const rows = this.#st.get(CHANNELS).all(userId, workspaceId) as (ConversationRow & {
      member: number;
    })[];
    return rows.map((r) => ({ conversation: toConversation(r), member: r.member !== 0 }));
  }

  setMuted(conv: string, userId: string, muted: boolean): void {
    this.#st
      .get('UPDATE members SET muted = ? WHERE conv = ? AND user_id = ?')
      .run(muted ? 1 : 0, conv, userId);
  }
}
