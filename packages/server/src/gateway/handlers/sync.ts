import { LIMITS } from '@parley/protocol';
import type { Handler } from './context.js';

/** `sync`: a page of every change in the user's conversations since the token. */
export const handleSync: Handler<'sync'> = async (ctx, s, f) => {
  const page = await ctx.sync.since(s.user, f.token, f.limit ?? LIMITS.defaultPage);
  s.send({ type: 'sync', rid: f.rid, ...page });
};
