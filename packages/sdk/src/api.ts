import type {
  ChannelList,
  Conversation,
  ConversationList,
  ConversationMembers,
  ConversationView,
  CreateConversationBody,
  HistoryPage,
  Invite,
  PresenceList,
  SendResult,
  User,
  UserList,
  Workspace,
  WorkspaceList,
  WorkspaceMembers,
} from '@parley/protocol';
import type { HttpClient } from './http.js';

/** Query of {@link ParleyApi.history}: `after` (oldest first from there) or `before`. */
export interface HistoryQuery {
  after?: number;
  before?: number;
  limit?: number;
  /** Only the replies of this thread root. */
  thread?: string;
}

export interface SendOptions {
  reply_to?: string | null;
  thread_root?: string | null;
}

const e = encodeURIComponent;

/**
 * Typed methods for the authenticated HTTP routes of docs/protocol.md (auth routes are on
 * ParleyClient). Every method rejects with a ParleyError.
 *
 * @example
 * const ws = await client.api.createWorkspace('Acme');
 * const invite = await client.api.createInvite(ws.id, { max_uses: 10 });
 * const { channels } = await client.api.listChannels(ws.id);
 */
export class ParleyApi {
  readonly #http: HttpClient;
  constructor(http: HttpClient) {
    this.#http = http;
  }

  // --- me, users, presence ---------------------------------------------------------------
  me(): Promise<User> {
    return this.#http.request('GET', '/v1/me');
  }
  updateMe(display_name: string): Promise<User> {
    return this.#http.request('PATCH', '/v1/me', { body: { display_name } });
  }
  searchUsers(q: string): Promise<UserList> {
    return this.#http.request('GET', '/v1/users', { query: { q } });
  }
  getUser(id: string): Promise<User> {
    return this.#http.request('GET', `/v1/users/${e(id)}`);
  }
  presence(users: string[]): Promise<PresenceList> {
    return this.#http.request('GET', '/v1/presence', { query: { users: users.join(',') } });
  }

  // --- workspaces and invites ----------------------------------------------------------
  createWorkspace(name: string): Promise<Workspace> {
    return this.#http.request('POST', '/v1/workspaces', { body: { name } });
  }
  listWorkspaces(): Promise<WorkspaceList> {
    return this.#http.request('GET', '/v1/workspaces');
  }
  getWorkspace(id: string): Promise<Workspace> {
    return this.#http.request('GET', `/v1/workspaces/${e(id)}`);
  }
  workspaceMembers(id: string): Promise<WorkspaceMembers> {
    return this.#http.request('GET', `/v1/workspaces/${e(id)}/members`);
  }
  setWorkspaceRole(id: string, user: string, role: 'admin' | 'member'): Promise<void> {
    const path = `/v1/workspaces/${e(id)}/members/${e(user)}`;
    return this.#http.request('PATCH', path, { body: { role } });
  }
  removeWorkspaceMember(id: string, user: string): Promise<void> {
    return this.#http.request('DELETE', `/v1/workspaces/${e(id)}/members/${e(user)}`);
  }
  createInvite(id: string, opts: { ttl_s?: number; max_uses?: number } = {}): Promise<Invite> {
    return this.#http.request('POST', `/v1/workspaces/${e(id)}/invites`, { body: opts });
  }
  joinInvite(code: string): Promise<Workspace> {
    return this.#http.request('POST', `/v1/invites/${e(code)}/join`);
  }
  listChannels(id: string): Promise<ChannelList> {
    return this.#http.request('GET', `/v1/workspaces/${e(id)}/channels`);
  }

  // --- conversations -------------------------------------------------------------------
  createConversation(body: CreateConversationBody): Promise<ConversationView> {
    return this.#http.request('POST', '/v1/conversations', { body });
  }
  listConversations(): Promise<ConversationList> {
    return this.#http.request('GET', '/v1/conversations');
  }
  /** A ConversationView for members; a plain Conversation for a public channel I may join. */
  getConversation(id: string): Promise<ConversationView | Conversation> {
    return this.#http.request('GET', `/v1/conversations/${e(id)}`);
  }
  conversationMembers(id: string): Promise<ConversationMembers> {
    return this.#http.request('GET', `/v1/conversations/${e(id)}/members`);
  }
  joinConversation(id: string): Promise<ConversationView> {
    return this.#http.request('POST', `/v1/conversations/${e(id)}/join`);
  }
  addMember(id: string, user: string): Promise<void> {
    return this.#http.request('POST', `/v1/conversations/${e(id)}/members`, { body: { user } });
  }
  /** Removes a member; with my own id: leave. */
  removeMember(id: string, user: string): Promise<void> {
    return this.#http.request('DELETE', `/v1/conversations/${e(id)}/members/${e(user)}`);
  }
  history(id: string, q: HistoryQuery = {}): Promise<HistoryPage> {
    return this.#http.request('GET', `/v1/conversations/${e(id)}/events`, { query: { ...q } });
  }
  /** Sends over HTTP (the outbox uses the WebSocket). A retried cid answers `dup: true`. */
  sendMessage(id: string, cid: string, text: string, opts: SendOptions = {}): Promise<SendResult> {
    const body = { cid, text, ...opts };
    return this.#http.request('POST', `/v1/conversations/${e(id)}/messages`, { body });
  }
  markRead(id: string, seq: number): Promise<void> {
    return this.#http.request('POST', `/v1/conversations/${e(id)}/read`, { body: { seq } });
  }
  setMuted(id: string, muted: boolean): Promise<void> {
    return this.#http.request('PUT', `/v1/conversations/${e(id)}/mute`, { body: { muted } });
  }
}
