/**
 * The storage port. One implementation per database (`adapters/store/sqlite`, later
 * `adapters/store/postgres`); all of them pass the one contract suite in
 * `src/test/contract/store.contract.ts`.
 *
 * Contract, for every implementation:
 * - Each conversation has a gap-free sequence: `append` assigns seq = last seq + 1 in the same
 *   transaction that stores the event and updates the materialized state (message text, edit and
 *   delete state, reactions, membership, read markers, title). No seq is ever skipped or reused.
 * - Each event also gets a store-wide stream position `pos`, strictly increasing in commit order;
 *   `changesSince` pages through a user's events by `pos`.
 * - `append` resolves only after its transaction is durable (committed with fsync). Appends that
 *   arrive close together may share one transaction (group commit); each still resolves or
 *   rejects on its own.
 * - (sender, cid) of a message is unique forever: appending a message whose (sender, cid) exists
 *   resolves with the stored event and `dup: true` and stores nothing.
 * - Read markers only move forward: a `read` append at or below the member's read_seq stores
 *   nothing and resolves with `event: null`.
 * - Errors: a unique violation of a username rejects with `ParleyError('username_taken')`; a
 *   database that cannot be reached rejects with `ParleyError('unavailable')` (retryable).
 *   Nothing else is validated here: the services check permissions and input first.
 */
import type {
  ConvEvent,
  Conversation,
  ConversationKind,
  ConversationRole,
  MessageEvent,
  User,
  Workspace,
  WorkspaceRole,
} from '@parley/protocol';

/** What an append adds; the store fills in conv, seq, ts and pos. */
export type EventBody =
  | {
      kind: 'message';
      id: string;
      cid: string;
      text: string;
      reply_to: string | null;
      thread_root: string | null;
      mentions: string[];
    }
  | { kind: 'edit'; target: string; text: string; mentions: string[] }
  | { kind: 'delete'; target: string }
  | { kind: 'reaction'; target: string; emoji: string; on: boolean }
  | {
      kind: 'member';
      user: string;
      action: 'join' | 'add' | 'leave' | 'remove' | 'role';
      role: ConversationRole;
    }
  | { kind: 'read'; read_seq: number }
  | { kind: 'conversation'; title: string };

export interface AppendInput {
  conv: string;
  sender: string;
  body: EventBody;
}

export interface AppendResult {
  /** The stored event; null for a read marker that did not move forward. */
  event: ConvEvent | null;
  /** Store-wide stream position of the event (of the original event when dup). */
  pos: number;
  /** true when a message with this (sender, cid) already existed: `event` is the original. */
  dup: boolean;
}

export interface StoredEvent {
  event: ConvEvent;
  pos: number;
}

export interface ChangesPage {
  /** Ordered by pos. */
  events: StoredEvent[];
  /** Position to resume from: the pos of the last event returned, or the head when none. */
  pos: number;
  more: boolean;
}

export interface UserRecord extends User {
  password_hash: string | null;
  disabled: boolean;
}

export interface DeviceRecord {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  hash: string;
  user_id: string;
  device_id: string;
  /** Every token of one login chain shares a family; reuse revokes the family. */
  family: string;
  expires_at: number;
}

export type UseRefreshResult =
  | { status: 'ok'; token: RefreshTokenRecord }
  | { status: 'reused'; token: RefreshTokenRecord }
  | { status: 'invalid' };

export interface InviteRecord {
  code: string;
  workspace_id: string;
  created_by: string;
  expires_at: number;
  max_uses: number | null;
  uses: number;
}

export interface MemberRecord {
  conv: string;
  user_id: string;
  role: ConversationRole;
  read_seq: number;
  muted: boolean;
  joined_at: number;
}

export interface ConversationSummary {
  conversation: Conversation;
  member: MemberRecord;
  unread: number;
  last_message: MessageEvent | null;
  /** Direct conversations: the other member's id. */
  peer_id: string | null;
}

export interface NewConversation {
  id: string;
  kind: ConversationKind;
  title: string;
  workspace_id: string | null;
  is_public: boolean;
  created_by: string;
  /** Direct: the two user ids sorted and joined by ':'; unique. Others: null. */
  direct_key: string | null;
  /** Initial members; each gets a `member` event (action 'add', the creator 'join'). */
  members: { user_id: string; role: ConversationRole }[];
}

export interface HistoryOptions {
  after?: number;
  before?: number;
  limit: number;
  /** Only events of messages whose thread_root is this id (and the root itself). */
  thread?: string;
}

/** An external (OIDC) identity linked to a Parley account. */
export interface IdentityLink {
  issuer: string;
  subject: string;
  user_id: string;
  /** Verified email, lower-cased, when the provider gave one. */
  email: string | null;
  created_at: number;
}

/** A one-time, short-lived server-side record (OIDC sign-in state, one-time login codes). */
export interface TicketRecord {
  id: string;
  kind: string;
  data: string;
  expires_at: number;
}

export interface AccountStore {
  createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByUsername(username: string): Promise<UserRecord | null>;
  getUsers(ids: readonly string[]): Promise<User[]>;
  /** Users whose username or display name starts with / contains q (case-insensitive). */
  searchUsers(q: string, limit: number): Promise<User[]>;
  updateUser(id: string, patch: { display_name?: string; disabled?: boolean }): Promise<void>;

  createDevice(d: { id: string; user_id: string; name: string }): Promise<DeviceRecord>;
  getDevice(id: string): Promise<DeviceRecord | null>;
  /** Marks the device revoked and deletes its refresh tokens. */
  revokeDevice(id: string): Promise<void>;
  /** Revokes every device of the user; returns their ids. */
  revokeAllDevices(userId: string): Promise<string[]>;

  putRefreshToken(t: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically consumes a refresh token. A token seen for the first time and not expired is
   * marked used: 'ok'. A token already used: its whole family is revoked: 'reused'.
   * Unknown or expired: 'invalid'.
   */
  useRefreshToken(hash: string, now: number): Promise<UseRefreshResult>;
  revokeFamily(family: string): Promise<void>;

  /**
   * Links an external identity to a user. (issuer, subject) is unique: linking it again rejects
   * with `ParleyError('conflict')`.
   */
  linkIdentity(l: Omit<IdentityLink, 'created_at'>): Promise<IdentityLink>;
  getIdentity(issuer: string, subject: string): Promise<IdentityLink | null>;
  /** The oldest link with this verified email (any issuer), or null. */
  findIdentityByEmail(email: string): Promise<IdentityLink | null>;
  /** Stores a ticket; an existing id rejects with `ParleyError('conflict')`. */
  putTicket(t: TicketRecord): Promise<void>;
  /**
   * Atomically removes the ticket and returns its data when it exists, has this kind and
   * `expires_at > now`; otherwise null (a ticket is taken at most once). Expired tickets may be
   * removed at any time.
   */
  takeTicket(id: string, kind: string, now: number): Promise<string | null>;
}

export interface WorkspaceStore {
  createWorkspace(w: { id: string; name: string; owner: string }): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | null>;
  listWorkspaces(userId: string): Promise<Workspace[]>;
  getWorkspaceRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null>;
  /** Adds or keeps the member; never lowers a role. */
  addWorkspaceMember(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void>;
  setWorkspaceRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void>;
  removeWorkspaceMember(workspaceId: string, userId: string): Promise<void>;
  listWorkspaceMembers(
    workspaceId: string,
  ): Promise<{ user: User; role: WorkspaceRole; joined_at: number }[]>;
  createInvite(i: InviteRecord): Promise<void>;
  /** Atomically counts one use; null when unknown, expired or used up. */
  useInvite(code: string, now: number): Promise<InviteRecord | null>;
}

export interface ConversationStore {
  /**
   * Creates the conversation and its initial member events in one transaction. For a direct
   * conversation whose direct_key exists, creates nothing and returns the existing one.
   * `events` are the member events appended (empty when nothing was created), so the caller
   * can publish them.
   */
  createConversation(
    c: NewConversation,
  ): Promise<{ conversation: Conversation; created: boolean; events: StoredEvent[] }>;
  getConversation(id: string): Promise<Conversation | null>;
  getMember(conv: string, userId: string): Promise<MemberRecord | null>;
  listMembers(conv: string): Promise<MemberRecord[]>;
  /** Ids of the current members (fan-out). */
  memberIds(conv: string): Promise<string[]>;
  /** Ids of the conversations the user is currently a member of (gateway subscriptions). */
  conversationIds(userId: string): Promise<string[]>;
  /** The user's conversations with read state, unread count and last message, newest first. */
  listConversations(userId: string): Promise<ConversationSummary[]>;
  /** Channels of a workspace the user may see: public ones, and private ones they belong to. */
  listChannels(
    workspaceId: string,
    userId: string,
  ): Promise<{ conversation: Conversation; member: boolean }[]>;
  setMuted(conv: string, userId: string, muted: boolean): Promise<void>;
}

export interface EventStore {
  /** See the contract above. */
  append(input: AppendInput): Promise<AppendResult>;
  /** A message with its current state (text, edited_at, deleted, reactions), or null. */
  getMessage(conv: string, id: string): Promise<MessageEvent | null>;
  /** Events of one conversation by seq, oldest first; messages with their current state. */
  history(conv: string, opts: HistoryOptions): Promise<{ events: ConvEvent[]; more: boolean }>;
  /**
   * The user's events with pos > sincePos, ordered by pos, at most `limit`: events of every
   * conversation the user is a member of, and of conversations the user left or was removed
   * from after sincePos up to and including that leave/remove event. Cost grows with the
   * number of changes returned, not with the history.
   */
  changesSince(userId: string, sincePos: number, limit: number): Promise<ChangesPage>;
  /** The newest pos in the store (0 when empty). */
  headPos(): Promise<number>;
}

/** Everything the server needs from storage. */
export interface Store extends AccountStore, WorkspaceStore, ConversationStore, EventStore {
  /** Creates or upgrades the schema; idempotent. */
  migrate(): Promise<void>;
  /** Health: resolves when the database answers. */
  ping(): Promise<void>;
  /** Flushes pending appends and closes. */
  close(): Promise<void>;
}
