import type {
  ConvEvent,
  Conversation,
  MessageEvent,
  User,
  Workspace,
  WorkspaceRole,
} from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type pg from 'pg';
import type {
  AppendInput,
  AppendResult,
  ChangesPage,
  ConversationSummary,
  DeviceRecord,
  HistoryOptions,
  IdentityLink,
  InviteRecord,
  MemberRecord,
  NewConversation,
  RefreshTokenRecord,
  Store,
  StoredEvent,
  TicketRecord,
  UseRefreshResult,
  UserRecord,
} from '../../../ports/store.js';
import { Accounts } from './accounts.js';
import { Appender } from './append.js';
import { Conversations } from './conversations.js';
import { openPool, type PoolOptions } from './db.js';
import { mapError } from './errors.js';
import { EventReader } from './events-read.js';
import { GroupCommit } from './group-commit.js';
import { Identities } from './identities.js';
import { migrate } from './migrations.js';
import { Workspaces } from './workspaces.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string;
  /** Connection pool settings. */
  pool?: PoolOptions;
  /** Appends written in one transaction at most (default 512). */
  maxBatch?: number;
}

/**
 * The cluster store: PostgreSQL through node-postgres. Several Parley nodes may share one
 * database: seq is assigned under the conversation's row lock, pos under a transaction-level
 * advisory lock that every event-writing transaction holds (docs/adr/0002), and appends are
 * group-committed. Implements the Store port and its contract.
 *
 * @example
 * const store = new PostgresStore({ url: 'postgres://parley@127.0.0.1:5432/parley' });
 * await store.migrate();
 * const { event } = await store.append({ conv, sender, body });
 */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #accounts: Accounts;
  readonly #identities: Identities;
  readonly #workspaces: Workspaces;
  readonly #conversations: Conversations;
  readonly #events: EventReader;
  readonly #commit: GroupCommit;
  #closed = false;

  constructor(opts: PostgresStoreOptions) {
    this.#pool = openPool(opts.url, opts.pool);
    const appender = new Appender();
    this.#accounts = new Accounts(this.#pool);
    this.#identities = new Identities(this.#pool);
    this.#workspaces = new Workspaces(this.#pool);
    this.#conversations = new Conversations(this.#pool, appender);
    this.#events = new EventReader(this.#pool);
    this.#commit = new GroupCommit(this.#pool, appender, opts.maxBatch);
  }

  /** Runs a database call, mapping its errors to the contract's. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ParleyError('unavailable', 'store is closed');
    try {
      return await fn();
    } catch (e) {
      throw mapError(e);
    }
  }

  migrate(): Promise<void> {
    return this.#call(() => migrate(this.#pool));
  }
  ping(): Promise<void> {
    return this.#call(async () => {
      await this.#pool.query('SELECT 1');
    });
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.close();
    await this.#pool.end();
  }

  // --- accounts -------------------------------------------------------------------------------
  createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): Promise<UserRecord> {
    return this.#call(() => this.#accounts.createUser(u));
  }
  getUser(id: string): Promise<UserRecord | null> {
    return this.#call(() => this.#accounts.getUser(id));
  }
  getUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#call(() => this.#accounts.getUserByUsername(username));
  }
  getUsers(ids: readonly string[]): Promise<User[]> {
    return this.#call(() => this.#accounts.getUsers(ids));
  }
  searchUsers(q: string, limit: number): Promise<User[]> {
    return this.#call(() => this.#accounts.searchUsers(q, limit));
  }
  updateUser(id: string, patch: { display_name?: string; disabled?: boolean }): Promise<void> {
    return this.#call(() => this.#accounts.updateUser(id, patch));
  }
  createDevice(d: { id: string; user_id: string; name: string }): Promise<DeviceRecord> {
    return this.#call(() => this.#accounts.createDevice(d));
  }
  getDevice(id: string): Promise<DeviceRecord | null> {
    return this.#call(() => this.#accounts.getDevice(id));
  }
  revokeDevice(id: string): Promise<void> {
    return this.#call(() => this.#accounts.revokeDevice(id));
  }
  revokeAllDevices(userId: string): Promise<string[]> {
    return this.#call(() => this.#accounts.revokeAllDevices(userId));
  }
  putRefreshToken(t: RefreshTokenRecord): Promise<void> {
    return this.#call(() => this.#accounts.putRefreshToken(t));
  }
  useRefreshToken(hash: string, now: number): Promise<UseRefreshResult> {
    return this.#call(() => this.#accounts.useRefreshToken(hash, now));
  }
  revokeFamily(family: string): Promise<void> {
    return this.#call(() => this.#accounts.revokeFamily(family));
  }

  // --- external identities and tickets --------------------------------------------------------
  linkIdentity(l: Omit<IdentityLink, 'created_at'>): Promise<IdentityLink> {
    return this.#call(() => this.#identities.linkIdentity(l));
  }
  getIdentity(issuer: string, subject: string): Promise<IdentityLink | null> {
    return this.#call(() => this.#identities.getIdentity(issuer, subject));
  }
  findIdentityByEmail(email: string): Promise<IdentityLink | null> {
    return this.#call(() => this.#identities.findIdentityByEmail(email));
  }
  putTicket(t: TicketRecord): Promise<void> {
    return this.#call(() => this.#identities.putTicket(t));
  }
  takeTicket(id: string, kind: string, now: number): Promise<string | null> {
    return this.#call(() => this.#identities.takeTicket(id, kind, now));
  }

  // --- workspaces -----------------------------------------------------------------------------
  createWorkspace(w: { id: string; name: string; owner: string }): Promise<Workspace> {
    return this.#call(() => this.#workspaces.createWorkspace(w));
  }
  getWorkspace(id: string): Promise<Workspace | null> {
    return this.#call(() => this.#workspaces.getWorkspace(id));
  }
  listWorkspaces(userId: string): Promise<Workspace[]> {
    return this.#call(() => this.#workspaces.listWorkspaces(userId));
  }
  getWorkspaceRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    return this.#call(() => this.#workspaces.getWorkspaceRole(workspaceId, userId));
  }
  addWorkspaceMember(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    return this.#call(() => this.#workspaces.addWorkspaceMember(workspaceId, userId, role));
  }
  setWorkspaceRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    return this.#call(() => this.#workspaces.setWorkspaceRole(workspaceId, userId, role));
  }
  removeWorkspaceMember(workspaceId: string, userId: string): Promise<void> {
    return this.#call(() => this.#workspaces.removeWorkspaceMember(workspaceId, userId));
  }
  listWorkspaceMembers(
    workspaceId: string,
  ): Promise<{ user: User; role: WorkspaceRole; joined_at: number }[]> {
    return this.#call(() => this.#workspaces.listWorkspaceMembers(workspaceId));
  }
  createInvite(i: InviteRecord): Promise<void> {
    return this.#call(() => this.#workspaces.createInvite(i));
  }
  useInvite(code: string, now: number): Promise<InviteRecord | null> {
    return this.#call(() => this.#workspaces.useInvite(code, now));
  }

  // --- conversations --------------------------------------------------------------------------
  createConversation(
    c: NewConversation,
  ): Promise<{ conversation: Conversation; created: boolean; events: StoredEvent[] }> {
    return this.#call(() => this.#conversations.createConversation(c));
  }
  getConversation(id: string): Promise<Conversation | null> {
    return this.#call(() => this.#conversations.getConversation(id));
  }
  getMember(conv: string, userId: string): Promise<MemberRecord | null> {
    return this.#call(() => this.#conversations.getMember(conv, userId));
  }
  listMembers(conv: string): Promise<MemberRecord[]> {
    return this.#call(() => this.#conversations.listMembers(conv));
  }
  memberIds(conv: string): Promise<string[]> {
    return this.#call(() => this.#conversations.memberIds(conv));
  }
  conversationIds(userId: string): Promise<string[]> {
    return this.#call(() => this.#conversations.conversationIds(userId));
  }
  listConversations(userId: string): Promise<ConversationSummary[]> {
    return this.#call(() => this.#conversations.listConversations(userId));
  }
  listChannels(
    workspaceId: string,
    userId: string,
  ): Promise<{ conversation: Conversation; member: boolean }[]> {
    return this.#call(() => this.#conversations.listChannels(workspaceId, userId));
  }
  setMuted(conv: string, userId: string, muted: boolean): Promise<void> {
    return this.#call(() => this.#conversations.setMuted(conv, userId, muted));
  }

  // --- events ---------------------------------------------------------------------------------
  /**
   * Runs of messages this node wrote in one statement, and runs that failed as a whole and were
   * written one by one, since the store opened. For tests and diagnostics.
   */
  appendRuns(): { batched: number; fallback: number } {
    return { ...this.#commit.runs };
  }

  append(input: AppendInput): Promise<AppendResult> {
    return this.#commit.append(input);
  }
  getMessage(conv: string, id: string): Promise<MessageEvent | null> {
    return this.#call(() => this.#events.getMessage(conv, id));
  }
  history(conv: string, opts: HistoryOptions): Promise<{ events: ConvEvent[]; more: boolean }> {
    return this.#call(() => this.#events.history(conv, opts));
  }
  changesSince(userId: string, sincePos: number, limit: number): Promise<ChangesPage> {
    return this.#call(() => this.#events.changesSince(userId, sincePos, limit));
  }
  headPos(): Promise<number> {
    return this.#call(() => this.#events.headPos());
  }
}
