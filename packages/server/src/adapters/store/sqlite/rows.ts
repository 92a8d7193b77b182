/** SQLite rows (booleans as 0/1, JSON as text) and their mapping; the shapes are `../rows.ts`. */
import * as rows from '../rows.js';

export { MEMBER_COLUMNS, MESSAGE_COLUMNS } from '../rows.js';
export type MessageRow = rows.MessageRow<number, string>;
export type EventRow = rows.EventRow<number, string>;
export type ConversationRow = rows.ConversationRow<number>;
export type MemberRow = rows.MemberRow<number>;
export type UserRow = rows.UserRow<number>;

export const { toMessage, toEvent, toConversation, toMember, toUser, toUserRecord } =
  rows.rowMappers<number, string>({ bool: (v) => v !== 0, json: (v) => JSON.parse(v) });

/** Events joined with the current state of their message (for message events). */
export const EVENT_SELECT = `SELECT e.pos, e.conv, e.seq, e.sender, e.ts, e.kind, e.body,
  m.id AS m_id, m.cid AS m_cid, m.text AS m_text, m.mentions AS m_mentions,
  m.reply_to AS m_reply_to, m.thread_root AS m_thread_root, m.edited_at AS m_edited_at,
  m.deleted AS m_deleted
FROM events e LEFT JOIN messages m ON e.kind = 'message' AND m.conv = e.conv AND m.id = e.msg_id`;
