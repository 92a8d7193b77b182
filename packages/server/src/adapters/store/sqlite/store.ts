import type {
  ConvEvent,
  Conversation,
  MessageEvent,
  User,
  Workspace,
  WorkspaceRole,
} from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
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
import { type Db, openDatabase, Statements } from './db.js';
import { mapError } from './errors.js';
import { EventReader } from './events-read.js';
import { GroupCommit } from './group-commit.js';
import { Identities } from './identities.js';
import type { InlineBudget } from './inline-budget.js';
import { migrate } from './migrations.js';
import { Workspaces } from './workspaces.js';
import { AppendWriter } from './writer.js';

export interface SqliteStoreOptions {
  /** Database file path; ':memory:' for a throwaway database. */
  path: string;
  /** Appends written in one transaction at most (default 512). */
  maxBatch?: number;
  /**
   * Commit appends on a writer thread, so fsync never blocks the event loop (default: true
   * for a file, false for ':memory:', which one connection cannot share).
   */
  writerThread?: boolean;
  /**
   * With the writer thread: how long the event loop may spend committing appends itself while
   * the thread is idle, `ms` in every `windowMs`; a commit of `slowMs` or more and `slowFactor`
   * times the typical one or more counts as at least `slowChargeMs` (default 100 in 1,000, slow
   * from 2 ms and 3 times the typical, charged 25; `ms` 0: always the thread). ADR 0005, 0008,
   * 0016.
   */
  inlineBudget?: InlineBudget;
  /**
   * With the writer thread: the longest a batch may wait for more appends (two mean gaps), while
   * appends from different senders arrive closer together than this (default 10 ms; 0: never).
   * ADR 0010, 0011, 0017.
   */
  commitLingerMs?: number;
  /**
   * With the writer thread: appends of different senders less than this apart on average are
   * load, and then no batch commits on the event loop (default 2 ms). ADR 0015.
   */
  busyGapMs?: number;
}

/**
 * The embedded store: SQLite through better-sqlite3, WAL, synchronous=FULL, one writer (this
 * process), group commit for appends. Implements the Store port and its contract.
 *
 * @example
 * const store = new SqliteStore({ path: './parley-data/parley.db' });
 * await store.migrate();
 * const { event } = await store.append({ conv, sender, body });
 */
export class SqliteStore implements Store {
  readonly #db: Db;
  readonly #accounts: Accounts;
  readonly #identities: Identities;
  readonly #workspaces: Workspaces;
  readonly #conversations: Conversations;
  readonly #events: EventReader;
  readonly #commit: GroupCommit | AppendWriter;
  #closed = false;

  constructor(opts: SqliteStoreOptions) {
    try {
      this.#db = openDatabase(opts.path);
    } catch (e) {
      throw mapError(e);
    }
    const st = new Statements(this.#db);
    const appender = new Appender(st);
    this.#accounts = new Accounts(this.#db, st);
    this.#identities = new Identities(this.#db, st);
    this.#workspaces = new Workspaces(this.#db, st);
    this.#conversations = new Conversations(this.#db, st, appender);
    this.#events = new EventReader(this.#db, st);
    // With the writer thread, this connection still commits appends under light load (ADR 0005).
    this.#commit =
      (opts.writerThread ?? opts.path !== ':memory:')
        ? new AppendWriter(
            opts.path,
            opts.maxBatch,
            { db: this.#db, appender },
            opts.inlineBudget,
            opts.commitLingerMs,
            opts.busyGapMs,
          )
        : new GroupCommit(this.#db, appender, opts.maxBatch);
  }

  /** Runs a synchronous database call, mapping its errors to the contract's. */
  #call<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new ParleyError('unavailable', 'store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(mapError(e));
    }
  }

  migrate(): Promise<void> {
    return this.#call(() => migrate(this.#db));
  }
  ping(): Promise<void> {
    return this.#call(() => {
      this.#db.prepare('SELECT 1').get();
    });
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.close();
    this.#db.close();
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
   * Append batches committed on the event loop and on the writer thread since the store
   * opened (ADR 0005); null without a writer thread. For tests and diagnostics.
   */
  appendBatches(): { inline: number; thread: number } | null {
    return this.#commit instanceof AppendWriter ? { ...this.#commit.batches } : null;
  }

  /**
   * Append transactions committed on the event loop and on the writer thread since the store
   * opened, i.e. the commits' fsyncs; null without a writer thread. For `/metrics`.
   */
  appendCommits(): { inline: number; thread: number } | null {
    return this.#commit instanceof AppendWriter ? this.#commit.commits : null;
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
