import type { Handler } from './context.js';

/** `ping`: answers `pong` with the server time. */
export const handlePing: Handler<'ping'> = async (_ctx, s, f) => {
  s.send({ type: 'pong', rid: f.rid, server_time: Date.now() });
};
