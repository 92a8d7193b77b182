import type { Handler } from './context.js';
import { requireConv } from './context.js';

/**
 * `send`: appends a message; answers `ack` once it is durable (the original ack for a retry).
 * The socket's next command may start as soon as this append is queued in the store (the
 * store commits in queue order), so one socket pipelines its sends without reordering them.
 */
export const handleSend: Handler<'send'> = async (ctx, s, f) => {
  const t0 = performance.now();
  await requireConv(ctx, s, f.conv);
  let queued!: () => void;
  const whenQueued = new Promise<void>((resolve) => {
    queued = resolve;
  });
  const done = ctx.messages.send(s.user, f, true, queued).then(
    (out) => {
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
    },
    (e: unknown) => {
      s.errorFrom(e, f.rid);
      ctx.metrics.errors.inc(1, { code: (e as { code?: string }).code ?? 'internal' });
    },
  );
  await Promise.race([whenQueued, done]);
};
