/**
 * PostgreSQL rows as node-postgres returns them (booleans as boolean, jsonb parsed, bigint as
 * number) and their mapping; the shapes are `../rows.ts`.
 */
import * as rows from '../rows.js';

export { CONVERSATION_COLUMNS, MEMBER_COLUMNS, MESSAGE_COLUMNS, USER_COLUMNS } from '../rows.js';
export type MessageRow = rows.MessageRow<boolean, unknown>;
export type EventRow = rows.EventRow<boolean, unknown>;
export type ConversationRow = rows.ConversationRow<boolean>;
export type MemberRow = rows.MemberRow<boolean>;
export type UserRow = rows.UserRow<boolean>;

export const { toMessage, toEvent, toConversation, toMember, toUser, toUserRecord } =
  rows.rowMappers<boolean, unknown>({ bool: (v) => v, json: (v) => v });

/** Columns of an event joined (as `m`) with the current state of its message. */
export const EVENT_COLUMNS = `e.pos, e.conv, e.seq, e.sender, e.ts, e.kind, e.body,
  m.id AS m_id, m.cid AS m_cid, m.text AS m_text, m.mentions AS m_mentions,
  m.reply_to AS m_reply_to, m.thread_root AS m_thread_root, m.edited_at AS m_edited_at,
  m.deleted AS m_deleted`;

export const MESSAGE_JOIN = `LEFT JOIN messages m ON e.kind = 'message' AND m.conv = e.conv
  AND m.id = e.msg_id`;
