/**
 * Row shapes shared by the SQL stores and their mapping to the port's types, written once.
 * The dialects differ only in how a row carries booleans (`B`: SQLite 0/1, PostgreSQL
 * boolean) and JSON columns (`J`: SQLite text, PostgreSQL parsed jsonb).
 */
import type {
  ConvEvent,
  Conversation,
  ConversationKind,
  ConversationRole,
  MessageEvent,
  User,
} from '@parley/protocol';
import type { AppendInput, EventBody, MemberRecord, UserRecord } from '../../ports/store.js';

/**
 * The event of a new message: its input with the seq and time the append gave it. Both SQL
 * stores build it this way, and the SQLite store also rebuilds it from its writer thread's
 * short reply.
 */
export function messageEvent(input: AppendInput, seq: number, ts: number): MessageEvent {
  const body = input.body as Extract<EventBody, { kind: 'message' }>;
  return {
    conv: input.conv,
    seq,
    sender: input.sender,
    ts,
    kind: 'message',
    id: body.id,
    cid: body.cid,
    text: body.text,
    reply_to: body.reply_to,
    thread_root: body.thread_root,
    mentions: body.mentions,
  };
}

export interface Dialect<B, J> {
  bool(v: B): boolean;
  json(v: J): unknown;
}

export interface MessageRow<B, J> {
  conv: string;
  id: string;
  seq: number;
  sender: string;
  ts: number;
  cid: string;
  text: string;
  mentions: J;
  reply_to: string | null;
  thread_root: string | null;
  edited_at: number | null;
  deleted: B;
}

export const MESSAGE_COLUMNS =
  'conv, id, seq, sender, ts, cid, text, mentions, reply_to, thread_root, edited_at, deleted';

/** An event joined (as `m`) with the current state of its message, for message events. */
export interface EventRow<B, J> {
  pos: number;
  conv: string;
  seq: number;
  sender: string;
  ts: number;
  kind: ConvEvent['kind'];
  body: J | null;
  m_id: string | null;
  m_cid: string | null;
  m_text: string | null;
  m_mentions: J | null;
  m_reply_to: string | null;
  m_thread_root: string | null;
  m_edited_at: number | null;
  m_deleted: B | null;
}

export interface ConversationRow<B> {
  id: string;
  kind: ConversationKind;
  title: string;
  workspace_id: string | null;
  is_public: B;
  created_at: number;
  last_seq: number;
  last_ts: number;
}

export const CONVERSATION_COLUMNS =
  'id, kind, title, workspace_id, is_public, created_at, last_seq, last_ts';

export interface MemberRow<B> {
  conv: string;
  user_id: string;
  role: ConversationRole;
  read_seq: number;
  muted: B;
  joined_at: number;
}

export const MEMBER_COLUMNS = 'conv, user_id, role, read_seq, muted, joined_at';

export interface UserRow<B> {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  disabled: B;
  created_at: number;
}

export const USER_COLUMNS = 'id, username, display_name, password_hash, disabled, created_at';

/** The row mappers of one dialect. */
export function rowMappers<B, J>(d: Dialect<B, J>) {
  const message = (
    r: Omit<MessageRow<B, J>, 'mentions' | 'deleted'>,
    mentions: string[],
    deleted: boolean,
  ): MessageEvent => {
    const m: MessageEvent = {
      conv: r.conv,
      seq: r.seq,
      sender: r.sender,
      ts: r.ts,
      kind: 'message',
      id: r.id,
      cid: r.cid,
      text: r.text,
      reply_to: r.reply_to,
      thread_root: r.thread_root,
      mentions,
    };
    if (r.edited_at !== null) m.edited_at = r.edited_at;
    if (deleted) m.deleted = true;
    return m;
  };
  const toUser = (r: UserRow<B>): User => ({
    id: r.id,
    username: r.username,
    display_name: r.display_name,
    created_at: r.created_at,
  });
  return {
    toMessage: (r: MessageRow<B, J>): MessageEvent =>
      message(r, d.json(r.mentions) as string[], d.bool(r.deleted)),
    toEvent(r: EventRow<B, J>): ConvEvent {
      if (r.kind === 'message') {
        return message(
          {
            conv: r.conv,
            id: r.m_id ?? '',
            seq: r.seq,
            sender: r.sender,
            ts: r.ts,
            cid: r.m_cid ?? '',
            text: r.m_text ?? '',
            reply_to: r.m_reply_to,
            thread_root: r.m_thread_root,
            edited_at: r.m_edited_at,
          },
          r.m_mentions === null ? [] : (d.json(r.m_mentions) as string[]),
          r.m_deleted !== null && d.bool(r.m_deleted),
        );
      }
      const body = r.body === null ? {} : (d.json(r.body) as object);
      return {
        conv: r.conv,
        seq: r.seq,
        sender: r.sender,
        ts: r.ts,
        kind: r.kind,
        ...body,
      } as ConvEvent;
    },
    toConversation: (r: ConversationRow<B>): Conversation => ({
      id: r.id,
      kind: r.kind,
      title: r.title,
      workspace_id: r.workspace_id,
      is_public: d.bool(r.is_public),
      created_at: r.created_at,
      last_seq: r.last_seq,
      last_ts: r.last_ts,
    }),
    toMember: (r: MemberRow<B>): MemberRecord => ({
      conv: r.conv,
      user_id: r.user_id,
      role: r.role,
      read_seq: r.read_seq,
      muted: d.bool(r.muted),
      joined_at: r.joined_at,
    }),
    toUser,
    toUserRecord: (r: UserRow<B>): UserRecord => ({
      ...toUser(r),
      password_hash: r.password_hash,
      disabled: d.bool(r.disabled),
    }),
  };
}
