import type { Handler } from './context.js';

/** `read`: moves the read marker forward; every device of the user and every member sees it. */
export const handleRead: Handler<'read'> = async (ctx, s, f) => {
  const seq = await ctx.messages.read(s.user, f.conv, f.seq);
  s.send(seq === undefined ? { type: 'ok', rid: f.rid } : { type: 'ok', rid: f.rid, seq });
};
