import type {
  ConvEvent,
  Conversation,
  ConversationKind,
  ConversationRole,
  MessageEvent,
  User,
} from '@parley/protocol';
import type { MemberRecord, UserRecord } from '../../../ports/store.js';

/** Row shapes as node-postgres returns them (bigint as number, jsonb parsed), and their
 * mapping to the port's types. */

export interface MessageRow {
  conv: string;
  id: string;
  seq: number;
  sender: string;
  ts: number;
  cid: string;
  text: string;
  mentions: string[];
  reply_to: string | null;
  thread_root: string | null;
  edited_at: number | null;
  deleted: boolean;
}

export const MESSAGE_COLUMNS =
  'conv, id, seq, sender, ts, cid, text, mentions, reply_to, thread_root, edited_at, deleted';

export function toMessage(r: MessageRow): MessageEvent {
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
    mentions: r.mentions,
  };
  if (r.edited_at !== null) m.edited_at = r.edited_at;
  if (r.deleted) m.deleted = true;
  return m;
}

export interface EventRow {
  pos: number;
  conv: string;
  seq: number;
  sender: string;
  ts: number;
  kind: ConvEvent['kind'];
  body: Record<string, unknown> | null;
  m_id: string | null;
  m_cid: string | null;
  m_text: string | null;
  m_mentions: string[] | null;
  m_reply_to: string | null;
  m_thread_root: string | null;
  m_edited_at: number | null;
  m_deleted: boolean | null;
}

/** Columns of an event joined (as `m`) with the current state of its message. */
export const EVENT_COLUMNS = `e.pos, e.conv, e.seq, e.sender, e.ts, e.kind, e.body,
  m.id AS m_id, m.cid AS m_cid, m.text AS m_text, m.mentions AS m_mentions,
  m.reply_to AS m_reply_to, m.thread_root AS m_thread_root, m.edited_at AS m_edited_at,
  m.deleted AS m_deleted`;

export const MESSAGE_JOIN = `LEFT JOIN messages m ON e.kind = 'message' AND m.conv = e.conv
  AND m.id = e.msg_id`;

export function toEvent(r: EventRow): ConvEvent {
  if (r.kind === 'message') {
    return toMessage({
      conv: r.conv,
      id: r.m_id ?? '',
      seq: r.seq,
      sender: r.sender,
      ts: r.ts,
      cid: r.m_cid ?? '',
      text: r.m_text ?? '',
      mentions: r.m_mentions ?? [],
      reply_to: r.m_reply_to,
      thread_root: r.m_thread_root,
      edited_at: r.m_edited_at,
      deleted: r.m_deleted ?? false,
    });
  }
  return {
    conv: r.conv,
    seq: r.seq,
    sender: r.sender,
    ts: r.ts,
    kind: r.kind,
    ...(r.body ?? {}),
  } as ConvEvent;
}

export interface ConversationRow {
  id: string;
  kind: ConversationKind;
  title: string;
  workspace_id: string | null;
  is_public: boolean;
  created_at: number;
  last_seq: number;
  last_ts: number;
}

export const CONVERSATION_COLUMNS =
  'id, kind, title, workspace_id, is_public, created_at, last_seq, last_ts';

export function toConversation(r: ConversationRow): Conversation {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    workspace_id: r.workspace_id,
    is_public: r.is_public,
    created_at: r.created_at,
    last_seq: r.last_seq,
    last_ts: r.last_ts,
  };
}

export interface MemberRow {
  conv: string;
  user_id: string;
  role: ConversationRole;
  read_seq: number;
  muted: boolean;
  joined_at: number;
}

export const MEMBER_COLUMNS = 'conv, user_id, role, read_seq, muted, joined_at';

export function toMember(r: MemberRow): MemberRecord {
  return {
    conv: r.conv,
    user_id: r.user_id,
    role: r.role,
    read_seq: r.read_seq,
    muted: r.muted,
    joined_at: r.joined_at,
  };
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  disabled: boolean;
  created_at: number;
}

export const USER_COLUMNS = 'id, username, display_name, password_hash, disabled, created_at';

export function toUser(r: UserRow): User {
  return { id: r.id, username: r.username, display_name: r.display_name, created_at: r.created_at };
}

export function toUserRecord(r: UserRow): UserRecord {
  return { ...toUser(r), password_hash: r.password_hash, disabled: r.disabled };
}
