import type { Handler } from './context.js';

/** `edit`: replaces the text of one's own message. */
export const handleEdit: Handler<'edit'> = async (ctx, s, f) => {
  const seq = await ctx.messages.edit(s.user, f.conv, f.id, f.text);
  s.send({ type: 'ok', rid: f.rid, seq });
};
