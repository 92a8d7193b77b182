import type { MessageEvent } from '@parley/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/** The toolbar shown on hover or focus: react, reply, thread, edit, delete. */
export function MessageActions({
  conv,
  msg,
  own,
  inThread,
  onReply,
  onThread,
  onEdit,
  onDelete,
}: {
  conv: string;
  msg: MessageEvent;
  own: boolean;
  inThread: boolean;
  onReply: () => void;
  onThread: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  const [picker, setPicker] = useState(false);
  const react = (emoji: string) => {
    setPicker(false);
    const on = !(msg.reactions?.[emoji] ?? []).includes(store.me);
    store.client.react(conv, msg.id, emoji, on).catch(() => {});
  };
  return (
    <div className="msg-actions" role="toolbar" aria-label={t('message.actions')}>
      {picker && (
        <div className="emoji-picker" role="menu" aria-label={t('message.react')}>
          {QUICK_REACTIONS.map((e) => (
            <button key={e} type="button" role="menuitem" onClick={() => react(e)}>
              {e}
            </button>
          ))}
        </div>
      )}
      <button
        type="button"
        aria-label={t('message.react')}
        title={t('message.react')}
        aria-expanded={picker}
        onClick={() => setPicker((v) => !v)}
        onKeyDown={(e) => e.key === 'Escape' && setPicker(false)}
      >
        ☺
      </button>
      {!inThread && (
        <button
          type="button"
          aria-label={t('message.reply')}
          title={t('message.reply')}
          onClick={onReply}
        >
          ↩
        </button>
      )}
      {!inThread && !msg.thread_root && (
        <button
          type="button"
          aria-label={t('message.thread')}
          title={t('message.thread')}
          onClick={onThread}
        >
          💬
        </button>
      )}
      {own && (
        <>
          <button
            type="button"
            aria-label={t('message.edit')}
            title={t('message.edit')}
            onClick={onEdit}
          >
            ✎
          </button>
          <button
            type="button"
            aria-label={t('message.delete')}
            title={t('message.delete')}
            onClick={onDelete}
          >
            🗑
          </button>
        </>
      )}
    </div>
  );
}
