import type { ClientFrame } from '@parley/protocol';
import type { Metrics } from '../../metrics.js';
import type { AuthService } from '../../services/auth.js';
import type { ConversationService } from '../../services/conversations.js';
import type { MessageService } from '../../services/messages.js';
import type { PresenceService } from '../../services/presence.js';
import type { RealtimePublisher } from '../../services/realtime.js';
import type { SyncService } from '../../services/sync.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

/** What command handlers may use (constructed once by the gateway). */
export interface GatewayContext {
  auth: AuthService;
  conversations: ConversationService;
  messages: MessageService;
  sync: SyncService;
  presence: PresenceService;
  publisher: RealtimePublisher;
  hub: Hub;
  metrics: Metrics;
  heartbeatMs: number;
  /** Open sockets per account on this node (0 or absent: unlimited). */
  maxConnPerAccount?: number;
  /** Ids of the user's conversations (for subscriptions at auth). */
  conversationIds(userId: string): Promise<string[]>;
}

export type Handler<T extends ClientFrame['type']> = (
  ctx: GatewayContext,
  s: Session,
  frame: Extract<ClientFrame, { type: T }>,
) => Promise<void>;

/**
 * Membership check from the socket's subscriptions, falling back to the store. Not async: the
 * common case (the socket holds the conversation) returns at once, without a promise.
 */
export function requireConv(
  ctx: GatewayContext,
  s: Session,
  conv: string,
): Promise<unknown> | undefined {
  return s.convs.has(conv) ? undefined : ctx.conversations.requireMember(conv, s.user);
}
