import type { MessageEvent } from '@parley/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { Composer } from './Composer.js';
import { MessageRow } from './MessageRow.js';
import { useTimeline } from './useTimeline.js';

/** A thread beside the conversation (full screen on a phone): root, replies, composer. */
export function ThreadPanel({
  conv,
  root,
  onClose,
}: {
  conv: string;
  root: string;
  onClose: () => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  const { rows, log, lastOwn } = useTimeline(conv, root, null);
  const [editing, setEditing] = useState<MessageEvent | null>(null);

  useEffect(() => {
    void store.loadThread(conv, root);
  }, [store, conv, root]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll down when a reply arrives
  useEffect(() => {
    const el = document.querySelector('.thread-messages');
    if (el) el.scrollTop = el.scrollHeight;
  }, [rows.length]);

  return (
    <aside
      className="thread-panel"
      aria-label={t('thread.title')}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.nativeEvent.isComposing && !e.defaultPrevented) onClose();
      }}
    >
      <header className="thread-head">
        <h2>{t('thread.title')}</h2>
        <button type="button" className="icon" aria-label={t('thread.close')} onClick={onClose}>
          ✕
        </button>
      </header>
      <ul className="thread-messages" aria-label={t('thread.title')}>
        {rows.map((r) =>
          r.kind === 'msg' ? (
            <li key={r.key}>
              <MessageRow
                conv={conv}
                item={r.item}
                first={r.first}
                log={log}
                isLastOwn={false}
                seenBy={[]}
                direct={false}
                replyCount={0}
                inThread
                onReply={() => {}}
                onEdit={setEditing}
              />
            </li>
          ) : null,
        )}
      </ul>
      <Composer
        conv={conv}
        threadRoot={root}
        placeholder={t('composer.placeholderThread')}
        editing={editing}
        onEditing={setEditing}
        lastOwn={lastOwn}
      />
    </aside>
  );
}
