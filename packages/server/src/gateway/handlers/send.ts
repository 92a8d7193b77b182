import type { Handler } from './context.js';
import { requireConv } from './context.js';

/** `send`: appends a message; answers `ack` once it is durable (the original ack for a retry). */
export const handleSend: Handler<'send'> = async (ctx, s, f) => {
  const t0 = performance.now();
  await requireConv(ctx, s, f.conv);
  const out = await ctx.messages.send(s.user, f, true);
  s.send({
    type: 'ack',
    rid: f.rid,
    conv: f.conv,
    cid: f.cid,
    id: out.message.id,
    seq: out.seq,
    ts: out.message.ts,
    dup: out.dup,
  });
  ctx.metrics.acks.inc(1, { dup: String(out.dup) });
  ctx.metrics.ackLatency.observe((performance.now() - t0) / 1000);
};
