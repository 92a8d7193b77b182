import type { Handler } from './context.js';
import { requireConv } from './context.js';

/** `typing`: ephemeral, published to the other members' sockets, never stored. */
export const handleTyping: Handler<'typing'> = async (ctx, s, f) => {
  await requireConv(ctx, s, f.conv);
  ctx.publisher.typing(f.conv, s.user, f.on);
};
