/**
 * The shapes of Parley's data as they travel on the wire (HTTP bodies and WebSocket frames).
 * Ids are opaque strings. Times are milliseconds since the Unix epoch (UTC).
 */

export type WorkspaceRole = 'owner' | 'admin' | 'member';
export type ConversationRole = 'owner' | 'admin' | 'member';
export type ConversationKind = 'direct' | 'group' | 'channel';
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface User {
  id: string;
  username: string;
  display_name: string;
  created_at: number;
}

export interface Workspace {
  id: string;
  name: string;
  created_at: number;
  /** The caller's role; absent when the caller is not a member. */
  role?: WorkspaceRole;
}

export interface WorkspaceMember {
  user: User;
  role: WorkspaceRole;
  joined_at: number;
}

export interface Conversation {
  id: string;
  kind: ConversationKind;
  /** Group title or channel name; empty for direct conversations. */
  title: string;
  /** Channels only. */
  workspace_id: string | null;
  /** Channels only: any workspace member may join a public channel. */
  is_public: boolean;
  created_at: number;
  /** Seq of the newest event in the conversation (0 when empty). */
  last_seq: number;
  /** Server time of the newest event. */
  last_ts: number;
}

/** A conversation as its member sees it in the list: with the member's own state. */
export interface ConversationView extends Conversation {
  role: ConversationRole;
  /** Highest seq the caller has read. */
  read_seq: number;
  /** Messages by others with seq > read_seq that are not deleted. */
  unread: number;
  /** Direct conversations: the other member. */
  peer?: User;
  /** The newest message event, for a preview. */
  last_message?: MessageEvent;
  muted: boolean;
}

export interface ConversationMember {
  user: User;
  role: ConversationRole;
  read_seq: number;
  joined_at: number;
}

/** Fields every event of a conversation's ordered stream has. */
export interface EventBase {
  /** Conversation id. */
  conv: string;
  /** Gap-free position in the conversation: 1, 2, 3 … */
  seq: number;
  /** Who caused the event. */
  sender: string;
  /** Server time when the event was appended. */
  ts: number;
}

export interface MessageEvent extends EventBase {
  kind: 'message';
  /** Message id (stable; edits and deletes refer to it). */
  id: string;
  /** The sender's client message id. */
  cid: string;
  text: string;
  reply_to: string | null;
  thread_root: string | null;
  /** User ids mentioned as @username in the text (resolved by the server). */
  mentions: string[];
  /** Set when the message has been edited since (history returns the current text). */
  edited_at?: number;
  /** Set when the message was deleted: its text is then empty (tombstone). */
  deleted?: boolean;
  /** Current reactions: emoji -> user ids (history only). */
  reactions?: Record<string, string[]>;
}

export interface EditEvent extends EventBase {
  kind: 'edit';
  target: string;
  text: string;
  mentions: string[];
}

export interface DeleteEvent extends EventBase {
  kind: 'delete';
  target: string;
}

export interface ReactionEvent extends EventBase {
  kind: 'reaction';
  target: string;
  emoji: string;
  /** true: added; false: removed. */
  on: boolean;
}

export interface MemberEvent extends EventBase {
  kind: 'member';
  /** The member concerned. */
  user: string;
  action: 'join' | 'add' | 'leave' | 'remove' | 'role';
  role: ConversationRole;
}

export interface ReadEvent extends EventBase {
  kind: 'read';
  /** The reader's new read marker. */
  read_seq: number;
}

export interface ConversationUpdateEvent extends EventBase {
  kind: 'conversation';
  title: string;
}

export type ConvEvent =
  | MessageEvent
  | EditEvent
  | DeleteEvent
  | ReactionEvent
  | MemberEvent
  | ReadEvent
  | ConversationUpdateEvent;

export type ConvEventKind = ConvEvent['kind'];
