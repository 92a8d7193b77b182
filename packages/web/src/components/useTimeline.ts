import type { MessageEvent } from '@parley/protocol';
import type { OutboxMessage } from '@parley/sdk';
import { useMemo } from 'react';
import { useStore, useTopics } from '../app/context.js';
import { buildRows, type Row, type TimelineItem } from '../lib/timeline.js';

/** A message as the list shows it: stored on the server (msg) or still in the outbox (out). */
export interface Item extends TimelineItem {
  msg?: MessageEvent;
  out?: OutboxMessage;
}

export type ListRow = Row<Item> | { kind: 'head'; key: string } | { kind: 'new'; key: string };

/**
 * The rows of a conversation (thread root null) or of one thread: stored messages, then the
 * outbox, with date separators, groups and a "new messages" line above the first unread one.
 */
export function useTimeline(conv: string, root: string | null, unreadAfter: number | null) {
  const store = useStore();
  const version = useTopics(`log:${conv}`, 'outbox');
  const log = store.log(conv);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version tracks log and outbox
  return useMemo(() => {
    const me = store.me;
    const msgs = log
      .messages()
      .filter((m) =>
        root === null ? m.thread_root === null : m.id === root || m.thread_root === root,
      );
    const items: Item[] = msgs.map((m) => ({
      key: `${m.sender}:${m.cid}`,
      sender: m.sender,
      ts: m.ts,
      msg: m,
    }));
    const have = new Set(items.map((i) => i.key));
    for (const o of store.outboxOf(conv, root)) {
      const key = `${o.user}:${o.cid}`;
      if (!have.has(key)) items.push({ key, sender: o.user, ts: o.ts ?? o.created_at, out: o });
    }
    const rows: ListRow[] = buildRows(items, {
      breaksGroup: (i) => Boolean(i.msg?.reply_to ?? i.out?.reply_to),
    });
    if (unreadAfter !== null) {
      const at = rows.findIndex(
        (r) =>
          r.kind === 'msg' && r.item.msg && r.item.msg.seq > unreadAfter && r.item.sender !== me,
      );
      if (at > 0) rows.splice(at, 0, { kind: 'new', key: 'new' });
    }
    if (root === null) rows.unshift({ kind: 'head', key: 'head' });
    let lastOwn: MessageEvent | null = null;
    for (let i = msgs.length - 1; i >= 0; i--) {
      const m = msgs[i]!;
      if (m.sender === me && !m.deleted && (root !== null || m.thread_root === null)) {
        lastOwn = m;
        break;
      }
    }
    return { rows, lastOwn, log, replyCounts: log.replyCounts() };
  }, [store, conv, root, version, unreadAfter, log]);
}
