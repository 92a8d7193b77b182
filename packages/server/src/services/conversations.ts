import {
  type ChannelList,
  type Conversation,
  type ConversationMember,
  type ConversationRole,
  type ConversationView,
  type CreateConversationBody,
  ParleyError,
} from '@parley/protocol';
import type { ConversationSummary, MemberRecord, Store, StoredEvent } from '../ports/store.js';
import { newId } from '../util/ids.js';
import { cleanName } from '../util/text.js';
import type { RealtimePublisher } from './realtime.js';
import type { WorkspaceService } from './workspaces.js';

const ADMINS: readonly ConversationRole[] = ['owner', 'admin'];

/**
 * Conversations and membership. Direct: exactly one per pair of users. Group: invite-only, any
 * member adds others. Channel: belongs to a workspace; public ones are joinable by any member of
 * the workspace; the channel's admins (and the workspace's owner and admins) manage members.
 */
export class ConversationService {
  constructor(
    private readonly store: Store,
    private readonly workspaces: WorkspaceService,
    private readonly publisher: RealtimePublisher,
  ) {}

  async create(
    userId: string,
    body: CreateConversationBody,
  ): Promise<{
    view: ConversationView;
    created: boolean;
  }> {
    let res: Awaited<ReturnType<Store['createConversation']>>;
    if (body.kind === 'direct') {
      if (body.user === userId)
        throw new ParleyError('invalid_request', 'a direct message needs another user');
      const peer = await this.store.getUser(body.user);
      if (!peer) throw new ParleyError('not_found', 'no such user');
      const pair = [userId, body.user].sort();
      res = await this.store.createConversation({
        id: newId('c'),
        kind: 'direct',
        title: '',
        workspace_id: null,
        is_public: false,
        created_by: userId,
        direct_key: pair.join(':'),
        members: pair.map((u) => ({ user_id: u, role: 'member' as const })),
      });
    } else if (body.kind === 'group') {
      const others = [...new Set(body.members ?? [])].filter((u) => u !== userId);
      const found = await this.store.getUsers(others);
      if (found.length !== others.length) throw new ParleyError('not_found', 'no such user');
      res = await this.store.createConversation({
        id: newId('c'),
        kind: 'group',
        title: cleanName(body.title),
        workspace_id: null,
        is_public: false,
        created_by: userId,
        direct_key: null,
        members: [
          { user_id: userId, role: 'owner' },
          ...others.map((u) => ({ user_id: u, role: 'member' as const })),
        ],
      });
    } else {
      await this.workspaces.requireRole(body.workspace_id, userId);
      res = await this.store.createConversation({
        id: newId('c'),
        kind: 'channel',
        title: cleanName(body.title),
        workspace_id: body.workspace_id,
        is_public: body.is_public ?? true,
        created_by: userId,
        direct_key: null,
        members: [{ user_id: userId, role: 'owner' }],
      });
    }
    this.publishAll(res.events);
    return { view: await this.view(res.conversation.id, userId), created: res.created };
  }

  async list(userId: string): Promise<ConversationView[]> {
    const rows = await this.store.listConversations(userId);
    const peers = await this.store.getUsers(
      rows.map((r) => r.peer_id).filter((p): p is string => p !== null),
    );
    const byId = new Map(peers.map((u) => [u.id, u]));
    // Activity is the newest message: read receipts and membership events do not reorder.
    const activity = (r: ConversationSummary) => r.last_message?.ts ?? r.conversation.created_at;
    return rows
      .sort((x, y) => activity(y) - activity(x))
      .map((r) => toView(r, r.peer_id ? byId.get(r.peer_id) : undefined));
  }

  /** The caller's view of one conversation; non-members see public channels of their workspaces. */
  async view(convId: string, userId: string): Promise<ConversationView> {
    const member = await this.store.getMember(convId, userId);
    if (!member) {
      const conv = await this.visible(convId, userId);
      return { ...conv, role: 'member', read_seq: 0, unread: 0, muted: false };
    }
    const summary = (await this.store.listConversations(userId)).find(
      (s) => s.conversation.id === convId,
    );
    if (!summary) throw new ParleyError('not_found', 'no such conversation');
    const peer = summary.peer_id ? (await this.store.getUsers([summary.peer_id]))[0] : undefined;
    return toView(summary, peer);
  }

  /** The conversation if the user may see it (member, or public channel of their workspace). */
  async visible(convId: string, userId: string): Promise<Conversation> {
    const conv = await this.store.getConversation(convId);
    if (conv) {
      if (await this.store.getMember(convId, userId)) return conv;
      if (conv.kind === 'channel' && conv.is_public && conv.workspace_id) {
        const role = await this.workspaces.requireRole(conv.workspace_id, userId).catch(() => null);
        if (role) return conv;
      }
    }
    throw new ParleyError('not_found', 'no such conversation');
  }

  /** The member record; throws not_found for non-members (who may not learn it exists). */
  async requireMember(convId: string, userId: string): Promise<MemberRecord> {
    const m = await this.store.getMember(convId, userId);
    if (!m) throw new ParleyError('not_found', 'no such conversation');
    return m;
  }

  async members(convId: string, userId: string): Promise<ConversationMember[]> {
    await this.requireMember(convId, userId);
    const rows = await this.store.listMembers(convId);
    const users = new Map(
      (await this.store.getUsers(rows.map((r) => r.user_id))).map((u) => [u.id, u]),
    );
    return rows
      .filter((r) => users.has(r.user_id))
      .map((r) => ({
        user: users.get(r.user_id)!,
        role: r.role,
        read_seq: r.read_seq,
        joined_at: r.joined_at,
      }));
  }

  async channels(workspaceId: string, userId: string): Promise<ChannelList> {
    await this.workspaces.requireRole(workspaceId, userId);
    const rows = await this.store.listChannels(workspaceId, userId);
    return { channels: rows.map((r) => ({ ...r.conversation, member: r.member })) };
  }

  async join(convId: string, userId: string): Promise<ConversationView> {
    const conv = await this.visible(convId, userId);
    if (!(await this.store.getMember(convId, userId))) {
      if (conv.kind !== 'channel' || !conv.is_public)
        throw new ParleyError('forbidden', 'invite only');
      await this.appendMember(convId, userId, userId, 'join', 'member');
    }
    return this.view(convId, userId);
  }

  async addMember(convId: string, actor: string, target: string): Promise<void> {
    const conv = await this.store.getConversation(convId);
    const me = await this.requireMember(convId, actor);
    if (!conv) throw new ParleyError('not_found', 'no such conversation');
    if (conv.kind === 'direct')
      throw new ParleyError('forbidden', 'direct conversations have two members');
    if (conv.kind === 'channel') {
      if (!(await this.isChannelAdmin(conv, me)))
        throw new ParleyError('forbidden', 'needs a channel admin');
      const wsRole = await this.store.getWorkspaceRole(conv.workspace_id!, target);
      if (!wsRole) throw new ParleyError('forbidden', 'the user is not in the workspace');
    }
    if (!(await this.store.getUser(target))) throw new ParleyError('not_found', 'no such user');
    if (await this.store.getMember(convId, target)) return;
    await this.appendMember(convId, actor, target, 'add', 'member');
  }

  /** Leave (actor === target) or remove another member (admins, not the owner). */
  async removeMember(convId: string, actor: string, target: string): Promise<void> {
    const conv = await this.store.getConversation(convId);
    const me = await this.requireMember(convId, actor);
    if (!conv) throw new ParleyError('not_found', 'no such conversation');
    if (conv.kind === 'direct')
      throw new ParleyError('forbidden', 'direct conversations cannot be left');
    const them = await this.store.getMember(convId, target);
    if (!them) throw new ParleyError('not_found', 'not a member');
    if (actor === target) {
      await this.appendMember(convId, actor, target, 'leave', them.role);
      return;
    }
    const admin =
      conv.kind === 'channel' ? await this.isChannelAdmin(conv, me) : ADMINS.includes(me.role);
    if (!admin || them.role === 'owner')
      throw new ParleyError('forbidden', 'needs an admin; the owner stays');
    await this.appendMember(convId, actor, target, 'remove', them.role);
  }

  /** Conversation admins, and for channels the workspace's owner and admins too. */
  async isAdmin(convId: string, userId: string): Promise<boolean> {
    const conv = await this.store.getConversation(convId);
    const m = await this.store.getMember(convId, userId);
    if (!conv || !m) return false;
    return conv.kind === 'channel' ? this.isChannelAdmin(conv, m) : ADMINS.includes(m.role);
  }

  private async isChannelAdmin(conv: Conversation, m: MemberRecord): Promise<boolean> {
    if (ADMINS.includes(m.role)) return true;
    const ws = await this.store.getWorkspaceRole(conv.workspace_id!, m.user_id);
    return ws === 'owner' || ws === 'admin';
  }

  private async appendMember(
    conv: string,
    sender: string,
    user: string,
    action: 'join' | 'add' | 'leave' | 'remove',
    role: ConversationRole,
  ): Promise<void> {
    const res = await this.store.append({
      conv,
      sender,
      body: { kind: 'member', user, action, role },
    });
    if (res.event) this.publisher.event(res.event, res.pos);
  }

  private publishAll(events: StoredEvent[]): void {
    for (const e of events) this.publisher.event(e.event, e.pos);
  }
}

function toView(s: ConversationSummary, peer: ConversationView['peer']): ConversationView {
  const v: ConversationView = {
    ...s.conversation,
    role: s.member.role,
    read_seq: s.member.read_seq,
    unread: s.unread,
    muted: s.member.muted,
  };
  if (peer) v.peer = peer;
  if (s.last_message) v.last_message = s.last_message;
  return v;
}
