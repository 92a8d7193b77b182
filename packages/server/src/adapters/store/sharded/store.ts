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
import { openPool, type PoolOptions } from '../postgres/db.js';
import { mapError } from '../postgres/errors.js';
import { PostgresStore } from '../postgres/store.js';
import { Placements } from './placement.js';
import { mergePages, type ShardedChangesPage, type ShardVector } from './vector.js';

export interface ShardedStoreOptions {
  /** The directory database: accounts, devices, tokens, workspaces, invites, the shard map. */
  directory: string;
  /**
   * Conversation shards, by index. Append only: a shard's index is stored in the shard map,
   * so never reorder or remove an entry.
   */
  shards: string[];
  pool?: PoolOptions;
  maxBatch?: number;
}

/** FNV-1a of the id: where a new conversation goes. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const binary = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A Store over PostgreSQL shards: accounts and workspaces on a directory database, each
 * conversation (its members, events and messages) on one conversation shard, chosen at
 * creation by a hash of its id and recorded in the directory's shard map. Every shard is a
 * PostgresStore, so each keeps seq gap-free and pos commit-ordered on its own.
 *
 * Positions are per shard: `changesSinceVector` / `headVector` take and return one pos per
 * shard. The scalar `changesSince` / `headPos` of the Store port work only with one
 * conversation shard (see the report on sync tokens for the port change this needs).
 */
export class ShardedStore implements Store {
  readonly #directory: PostgresStore;
  readonly #shards: PostgresStore[];
  readonly #placementPool: pg.Pool;
  readonly #placements: Placements;

  constructor(opts: ShardedStoreOptions) {
    if (opts.shards.length === 0) throw new Error('a sharded store needs at least one shard');
    const common = { pool: opts.pool, maxBatch: opts.maxBatch };
    this.#directory = new PostgresStore({ url: opts.directory, ...common });
    this.#shards = opts.shards.map((url) => new PostgresStore({ url, ...common }));
    this.#placementPool = openPool(opts.directory, { ...opts.pool, max: 4 });
    this.#placements = new Placements(this.#placementPool);
  }

  get shardCount(): number {
    return this.#shards.length;
  }

  /** The shard store of a conversation; null when it does not exist. */
  async #shardOf(conv: string): Promise<PostgresStore | null> {
    let i: number | null;
    try {
      i = await this.#placements.lookup(conv);
    } catch (e) {
      throw mapError(e);
    }
    if (i === null) return null;
    const s = this.#shards[i];
    if (s === undefined) throw new ParleyError('unavailable', `shard ${i} is not configured`);
    return s;
  }

  /** Runs fn on every shard and concatenates the results. */
  async #all<T>(fn: (s: PostgresStore) => Promise<T[]>): Promise<T[]> {
    return (await Promise.all(this.#shards.map(fn))).flat();
  }

  async migrate(): Promise<void> {
    await this.#directory.migrate();
    await Promise.all(this.#shards.map((s) => s.migrate()));
  }
  async ping(): Promise<void> {
    await Promise.all([this.#directory.ping(), ...this.#shards.map((s) => s.ping())]);
  }
  async close(): Promise<void> {
    await Promise.all([this.#directory.close(), ...this.#shards.map((s) => s.close())]);
    await this.#placementPool.end().catch(() => {});
  }

  // --- accounts and workspaces: the directory ----------------------------------------------
  createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): Promise<UserRecord> {
    return this.#directory.createUser(u);
  }
  getUser(id: string): Promise<UserRecord | null> {
    return this.#directory.getUser(id);
  }
  getUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#directory.getUserByUsername(username);
  }
  getUsers(ids: readonly string[]): Promise<User[]> {
    return this.#directory.getUsers(ids);
  }
  searchUsers(q: string, limit: number): Promise<User[]> {
    return this.#directory.searchUsers(q, limit);
  }
  updateUser(id: string, patch: { display_name?: string; disabled?: boolean }): Promise<void> {
    return this.#directory.updateUser(id, patch);
  }
  createDevice(d: { id: string; user_id: string; name: string }): Promise<DeviceRecord> {
    return this.#directory.createDevice(d);
  }
  getDevice(id: string): Promise<DeviceRecord | null> {
    return this.#directory.getDevice(id);
  }
  revokeDevice(id: string): Promise<void> {
    return this.#directory.revokeDevice(id);
  }
  revokeAllDevices(userId: string): Promise<string[]> {
    return this.#directory.revokeAllDevices(userId);
  }
  putRefreshToken(t: RefreshTokenRecord): Promise<void> {
    return this.#directory.putRefreshToken(t);
  }
  useRefreshToken(hash: string, now: number): Promise<UseRefreshResult> {
    return this.#directory.useRefreshToken(hash, now);
  }
  revokeFamily(family: string): Promise<void> {
    return this.#directory.revokeFamily(family);
  }
  linkIdentity(l: Omit<IdentityLink, 'created_at'>): Promise<IdentityLink> {
    return this.#directory.linkIdentity(l);
  }
  getIdentity(issuer: string, subject: string): Promise<IdentityLink | null> {
    return this.#directory.getIdentity(issuer, subject);
  }
  findIdentityByEmail(email: string): Promise<IdentityLink | null> {
    return this.#directory.findIdentityByEmail(email);
  }
  putTicket(t: TicketRecord): Promise<void> {
    return this.#directory.putTicket(t);
  }
  takeTicket(id: string, kind: string, now: number): Promise<string | null> {
    return this.#directory.takeTicket(id, kind, now);
  }
  createWorkspace(w: { id: string; name: string; owner: string }): Promise<Workspace> {
    return this.#directory.createWorkspace(w);
  }
  getWorkspace(id: string): Promise<Workspace | null> {
    return this.#directory.getWorkspace(id);
  }
  listWorkspaces(userId: string): Promise<Workspace[]> {
    return this.#directory.listWorkspaces(userId);
  }
  getWorkspaceRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    return this.#directory.getWorkspaceRole(workspaceId, userId);
  }
  addWorkspaceMember(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    return this.#directory.addWorkspaceMember(workspaceId, userId, role);
  }
  setWorkspaceRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    return this.#directory.setWorkspaceRole(workspaceId, userId, role);
  }
  removeWorkspaceMember(workspaceId: string, userId: string): Promise<void> {
    return this.#directory.removeWorkspaceMember(workspaceId, userId);
  }
  listWorkspaceMembers(
    workspaceId: string,
  ): Promise<{ user: User; role: WorkspaceRole; joined_at: number }[]> {
    return this.#directory.listWorkspaceMembers(workspaceId);
  }
  createInvite(i: InviteRecord): Promise<void> {
    return this.#directory.createInvite(i);
  }
  useInvite(code: string, now: number): Promise<InviteRecord | null> {
    return this.#directory.useInvite(code, now);
  }

  // --- conversations: placed on one shard -------------------------------------------------
  /**
   * Places the conversation (a direct one where its key is placed already, under that id),
   * then creates it on its shard. A placement whose creation failed points at nothing and is
   * harmless: the conversation does not exist.
   */
  async createConversation(
    c: NewConversation,
  ): Promise<{ conversation: Conversation; created: boolean; events: StoredEvent[] }> {
    let placed: { conv: string; shard: number };
    try {
      placed = await this.#placements.place(c.id, hash(c.id) % this.#shards.length, c.direct_key);
    } catch (e) {
      throw mapError(e);
    }
    if (placed.conv !== c.id && c.direct_key === null) throw new ParleyError('conflict');
    const shard = this.#shards[placed.shard];
    if (shard === undefined) throw new ParleyError('unavailable', `shard ${placed.shard} missing`);
    return shard.createConversation({ ...c, id: placed.conv });
  }
  async getConversation(id: string): Promise<Conversation | null> {
    return (await this.#shardOf(id))?.getConversation(id) ?? null;
  }
  async getMember(conv: string, userId: string): Promise<MemberRecord | null> {
    return (await this.#shardOf(conv))?.getMember(conv, userId) ?? null;
  }
  async listMembers(conv: string): Promise<MemberRecord[]> {
    return (await this.#shardOf(conv))?.listMembers(conv) ?? [];
  }
  async memberIds(conv: string): Promise<string[]> {
    return (await this.#shardOf(conv))?.memberIds(conv) ?? [];
  }
  conversationIds(userId: string): Promise<string[]> {
    return this.#all((s) => s.conversationIds(userId));
  }
  async listConversations(userId: string): Promise<ConversationSummary[]> {
    const all = await this.#all((s) => s.listConversations(userId));
    return all.sort(
      (a, b) =>
        b.conversation.last_ts - a.conversation.last_ts ||
        binary(a.conversation.id, b.conversation.id),
    );
  }
  async listChannels(
    workspaceId: string,
    userId: string,
  ): Promise<{ conversation: Conversation; member: boolean }[]> {
    const all = await this.#all((s) => s.listChannels(workspaceId, userId));
    return all.sort(
      (a, b) =>
        binary(a.conversation.title, b.conversation.title) ||
        binary(a.conversation.id, b.conversation.id),
    );
  }
  async setMuted(conv: string, userId: string, muted: boolean): Promise<void> {
    await (await this.#shardOf(conv))?.setMuted(conv, userId, muted);
  }

  // --- events -------------------------------------------------------------------------------
  async append(input: AppendInput): Promise<AppendResult> {
    const s = await this.#shardOf(input.conv);
    if (s === null) throw new ParleyError('not_found', `no conversation ${input.conv}`);
    return s.append(input);
  }
  async getMessage(conv: string, id: string): Promise<MessageEvent | null> {
    return (await this.#shardOf(conv))?.getMessage(conv, id) ?? null;
  }
  async history(
    conv: string,
    opts: HistoryOptions,
  ): Promise<{ events: ConvEvent[]; more: boolean }> {
    return (await this.#shardOf(conv))?.history(conv, opts) ?? { events: [], more: false };
  }

  /** The user's changes on every shard since the vector, at most `limit` in all. */
  async changesSinceVector(
    userId: string,
    since: ShardVector,
    limit: number,
  ): Promise<ShardedChangesPage> {
    const n = Math.max(1, Math.floor(limit));
    const from = this.#shards.map((_, i) => since[i] ?? 0);
    const pages = await Promise.all(
      this.#shards.map((s, i) => s.changesSince(userId, from[i]!, n)),
    );
    return mergePages(from, pages, n);
  }
  headVector(): Promise<ShardVector> {
    return Promise.all(this.#shards.map((s) => s.headPos()));
  }

  /** Scalar positions exist only with one conversation shard. */
  #single(): PostgresStore {
    const [only, ...rest] = this.#shards;
    if (only === undefined || rest.length > 0) {
      throw new ParleyError('internal', 'several shards: use changesSinceVector / headVector');
    }
    return only;
  }
  async changesSince(userId: string, sincePos: number, limit: number): Promise<ChangesPage> {
    return this.#single().changesSince(userId, sincePos, limit);
  }
  async headPos(): Promise<number> {
    return this.#single().headPos();
  }
}
