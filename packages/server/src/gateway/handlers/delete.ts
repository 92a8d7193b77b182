import type { Handler } from './context.js';

/** `delete`: tombstones a message (own, or any as an admin). */
export const handleDelete: Handler<'delete'> = async (ctx, s, f) => {
  const seq = await ctx.messages.delete(s.user, f.conv, f.id);
  s.send(seq === undefined ? { type: 'ok', rid: f.rid } : { type: 'ok', rid: f.rid, seq });
};
