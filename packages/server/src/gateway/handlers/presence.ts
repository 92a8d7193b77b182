import type { Handler } from './context.js';

/** `presence`: this socket is online or away. */
export const handlePresence: Handler<'presence'> = async (ctx, s, f) => {
  if (s.presence === f.status) return;
  const from = s.presence;
  s.presence = f.status;
  ctx.presence.change(s.user, from, f.status);
};
