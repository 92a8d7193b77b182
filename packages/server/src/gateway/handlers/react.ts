import type { Handler } from './context.js';

/** `react`: adds (on) or removes a reaction; a no-op change answers `ok` without seq. */
export const handleReact: Handler<'react'> = async (ctx, s, f) => {
  const seq = await ctx.messages.react(s.user, f.conv, f.id, f.emoji, f.on);
  s.send(seq === undefined ? { type: 'ok', rid: f.rid } : { type: 'ok', rid: f.rid, seq });
};
