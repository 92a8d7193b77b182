import type { ConversationView } from '@parley/protocol';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { convPath, navigate } from '../app/router.js';
import { formatShort } from '../lib/format.js';
import { plainText } from '../lib/markdown.js';
import { ConvIcon } from './ConvIcon.js';
import { useConvTitle } from './useConvTitle.js';

/** One row of the conversation list: icon, title, time, preview and unread count. */
export function ConversationItem({ conv, active }: { conv: ConversationView; active: boolean }) {
  const store = useStore();
  const { t, i18n } = useTranslation();
  useTopics('users', 'typing');
  const title = useConvTitle(conv);
  const last = conv.last_message;
  const typing = store.typing.users(conv.id).filter((u) => u !== store.me);
  let preview = t('sidebar.noMessages');
  if (typing.length) preview = t('typing.one', { a: store.users.name(typing[0]!) ?? '…' });
  else if (last?.deleted) preview = t('sidebar.deleted');
  else if (last) {
    const text = plainText(last.text);
    preview = last.sender === store.me ? t('sidebar.you', { text }) : text;
  }
  const unread = conv.unread;
  return (
    <li>
      <a
        href={convPath(conv.id)}
        className={unread > 0 ? 'conv-item unread' : 'conv-item'}
        aria-current={active ? 'page' : undefined}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          navigate(convPath(conv.id));
        }}
      >
        <ConvIcon conv={conv} title={title} />
        <span className="conv-main">
          <span className="conv-top">
            <span className="conv-title">{title}</span>
            {conv.muted && (
              <span className="conv-muted" role="img" aria-label={t('sidebar.muted')}>
                🔕
              </span>
            )}
            {conv.last_ts > 0 && (
              <time className="conv-time" dateTime={new Date(conv.last_ts).toISOString()}>
                {formatShort(conv.last_ts, i18n.language)}
              </time>
            )}
          </span>
          <span className="conv-bottom">
            <span className={typing.length ? 'conv-preview typing' : 'conv-preview'}>
              {preview}
            </span>
            {unread > 0 && (
              <span
                className={conv.muted ? 'badge muted-badge' : 'badge'}
                role="status"
                aria-label={t('sidebar.unread', { count: unread })}
              >
                {unread > 99 ? '99+' : unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
