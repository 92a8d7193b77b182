import { ParleyError, PROTOCOL_VERSION } from '@parley/protocol';
import type { Handler } from './context.js';

/** `auth`: verifies the access token, subscribes the socket, answers `ready`. */
export const handleAuth: Handler<'auth'> = async (ctx, s, f) => {
  if (s.authed) {
    s.error('invalid_frame', 'already authenticated', f.rid);
    return;
  }
  let claims: Awaited<ReturnType<typeof ctx.auth.authenticate>>;
  try {
    claims = await ctx.auth.authenticate(f.token);
  } catch (e) {
    s.close(e instanceof ParleyError ? e.code : 'unauthenticated');
    return;
  }
  if (s.closed) return;
  const max = ctx.maxConnPerAccount ?? 0;
  if (max > 0 && ctx.hub.sessionsOf(claims.sub).size >= max) {
    s.close('too_many_connections', `at most ${max} connections per account`);
    return;
  }
  s.user = claims.sub;
  s.device = claims.did;
  s.authed = true;
  // Subscribe before reading the head token: nothing committed after it can be missed.
  ctx.hub.add(s, await ctx.conversationIds(s.user));
  await ctx.hub.flush();
  s.presence = 'online';
  ctx.presence.change(s.user, null, 'online');
  const token = await ctx.sync.head();
  s.send({
    type: 'ready',
    rid: f.rid,
    protocol: PROTOCOL_VERSION,
    user: s.user,
    device: s.device,
    heartbeat_ms: ctx.heartbeatMs,
    server_time: Date.now(),
    token,
  });
};
