import type { ClientFrame } from '@parley/protocol';
import type { Session } from '../session.js';
import { handleAuth } from './auth.js';
import type { GatewayContext } from './context.js';
import { handleDelete } from './delete.js';
import { handleEdit } from './edit.js';
import { handlePing } from './ping.js';
import { handlePresence } from './presence.js';
import { handleReact } from './react.js';
import { handleRead } from './read.js';
import { handleSend } from './send.js';
import { handleSync } from './sync.js';
import { handleTyping } from './typing.js';

type AnyHandler = (ctx: GatewayContext, s: Session, f: ClientFrame) => Promise<void>;

/** One handler per client frame type. */
export const HANDLERS: Record<ClientFrame['type'], AnyHandler> = {
  auth: handleAuth as AnyHandler,
  ping: handlePing as AnyHandler,
  send: handleSend as AnyHandler,
  edit: handleEdit as AnyHandler,
  delete: handleDelete as AnyHandler,
  react: handleReact as AnyHandler,
  read: handleRead as AnyHandler,
  typing: handleTyping as AnyHandler,
  presence: handlePresence as AnyHandler,
  sync: handleSync as AnyHandler,
};

/** Frame types whose effects must keep the client's order (run one at a time per socket). */
export const ORDERED: ReadonlySet<ClientFrame['type']> = new Set([
  'send',
  'edit',
  'delete',
  'react',
  'read',
]);
export type { GatewayContext };
