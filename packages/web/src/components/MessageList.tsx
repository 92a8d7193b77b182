import type { ConversationView, MessageEvent } from '@parley/protocol';
import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';

type Key = VirtualItem['key'];

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { DateSeparator } from './DateSeparator.js';
import { MessageRow } from './MessageRow.js';
import type { ListRow, useTimeline } from './useTimeline.js';

const LOAD_MARGIN_PX = 600;

function estimate(row: ListRow | undefined): number {
  if (!row) return 40;
  if (row.kind === 'msg') return row.first ? 62 : 26;
  return 40;
}

/**
 * The messages of a conversation in a virtualized list (only what is on screen is in the
 * DOM), anchored to the bottom: new messages follow when the user is at the end, older pages
 * load when they scroll near the top and keep what they were reading in place.
 */
export function MessageList({
  conv,
  timeline,
  onReply,
  onThread,
  onEdit,
}: {
  conv: ConversationView;
  timeline: ReturnType<typeof useTimeline>;
  onReply: (m: MessageEvent) => void;
  onThread: (root: string) => void;
  onEdit: (m: MessageEvent) => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  const { rows, log, lastOwn, replyCounts } = timeline;
  const ref = useRef<HTMLDivElement>(null);
  const [atEnd, setAtEnd] = useState(true);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: (i) => estimate(rows[i]),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 8,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 48,
  });

  // Older pages go above. The virtualizer keeps the row at the top edge of the screen in place
  // (anchorTo 'end'), but when that row is the head or the first date separator (which stay
  // first) it would not move: then the first message row is kept in place here instead.
  const top = useRef<{ key: Key; start: number; end: number; scroll: number } | null>(null);
  const record = useCallback(
    (scroll: number) => {
      const idx = rows.findIndex((r) => r.kind === 'msg');
      const m = idx >= 0 ? virtualizer.measurementsCache[idx] : undefined;
      top.current = m ? { key: m.key, start: m.start, end: m.end, scroll } : null;
    },
    [virtualizer, rows],
  );
  useLayoutEffect(() => {
    const t = top.current;
    const idx = t ? rows.findIndex((r) => r.key === t.key) : -1;
    const first = rows.findIndex((r) => r.kind === 'msg');
    let scroll = ref.current?.scrollTop ?? 0;
    if (t && idx > first && t.scroll < t.end) {
      const start = virtualizer.measurementsCache[idx]?.start;
      if (start !== undefined) {
        scroll = start - (t.start - t.scroll);
        virtualizer.scrollToOffset(scroll);
      }
    }
    record(scroll);
  }, [rows, virtualizer, record]);

  // Start at the newest message.
  const started = useRef(false);
  useLayoutEffect(() => {
    if (started.current || rows.length <= 1) return;
    started.current = true;
    virtualizer.scrollToEnd();
  }, [rows.length, virtualizer]);

  // My own new message always scrolls to the end.
  const lastKey = rows[rows.length - 1]?.key;
  const lastRow = rows[rows.length - 1];
  const mineLast = lastRow?.kind === 'msg' && lastRow.item.out !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for each new last row
  useEffect(() => {
    if (mineLast) virtualizer.scrollToEnd();
  }, [lastKey, mineLast, virtualizer]);

  const check = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    record(el.scrollTop);
    const end = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    setAtEnd(end);
    if (el.scrollTop < LOAD_MARGIN_PX && log.hasMore) void store.loadOlder(conv.id);
    if (end && document.visibilityState === 'visible') store.markRead(conv.id);
  }, [store, conv.id, log, record]);

  // After each change: load more if the page does not fill the screen; mark read at the end.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-check when rows or the conversation change
  useEffect(() => {
    const timer = setTimeout(check, 50);
    return () => clearTimeout(timer);
  }, [rows, check, conv.last_seq]);

  useEffect(() => {
    const onVis = () => document.visibilityState === 'visible' && check();
    document.addEventListener('visibilitychange', onVis);
    return () => document.removeEventListener('visibilitychange', onVis);
  }, [check]);

  const seenBy = lastOwn ? log.seenBy(lastOwn.seq, store.me) : [];
  const items = virtualizer.getVirtualItems();
  return (
    <div className="message-scroller" ref={ref} onScroll={check}>
      <ul
        aria-label={t('conversation.messages')}
        className="message-list"
        style={{ height: virtualizer.getTotalSize() }}
      >
        {items.map((vi) => {
          const row = rows[vi.index]!;
          return (
            <li
              key={vi.key}
              data-index={vi.index}
              ref={virtualizer.measureElement}
              className="vrow"
              style={{ transform: `translateY(${vi.start}px)` }}
            >
              {row.kind === 'head' ? (
                <div className="list-head">
                  {store.isLoading(conv.id) || log.hasMore
                    ? t('conversation.loadingOlder')
                    : t('conversation.start')}
                </div>
              ) : row.kind === 'new' ? (
                <div className="new-sep">
                  <span>{t('conversation.newMessages')}</span>
                </div>
              ) : row.kind === 'date' ? (
                <DateSeparator ts={row.ts} />
              ) : (
                <MessageRow
                  conv={conv.id}
                  item={row.item}
                  first={row.first}
                  log={log}
                  isLastOwn={row.item.msg !== undefined && row.item.msg.id === lastOwn?.id}
                  seenBy={seenBy}
                  direct={conv.kind === 'direct'}
                  replyCount={row.item.msg ? (replyCounts.get(row.item.msg.id) ?? 0) : 0}
                  onReply={onReply}
                  onThread={onThread}
                  onEdit={onEdit}
                />
              )}
            </li>
          );
        })}
      </ul>
      {!atEnd && (
        <button
          type="button"
          className="jump"
          onClick={() => virtualizer.scrollToEnd({ behavior: 'smooth' })}
        >
          ↓ {t('conversation.jumpLatest')}
        </button>
      )}
    </div>
  );
}
