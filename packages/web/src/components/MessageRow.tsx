import type { MessageEvent } from '@parley/protocol';
import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { formatFull, formatList, formatTime } from '../lib/format.js';
import type { MessageLog } from '../lib/message-log.js';
import { Avatar } from './Avatar.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DeliveryStatus } from './DeliveryStatus.js';
import { MessageActions } from './MessageActions.js';
import { Reactions } from './Reactions.js';
import { ReplyQuote } from './ReplyQuote.js';
import { RichText } from './RichText.js';
import type { Item } from './useTimeline.js';

export interface MessageRowProps {
  conv: string;
  item: Item;
  first: boolean;
  log: MessageLog;
  isLastOwn: boolean;
  seenBy: string[];
  direct: boolean;
  replyCount: number;
  inThread?: boolean;
  onReply: (m: MessageEvent) => void;
  onThread?: (root: string) => void;
  onEdit: (m: MessageEvent) => void;
}

/** One message: author line (first of a group), quote, text, reactions, thread and status. */
export const MessageRow = memo(function MessageRow(p: MessageRowProps) {
  const store = useStore();
  const { t, i18n } = useTranslation();
  useTopics('users');
  const [confirm, setConfirm] = useState(false);
  const { item } = p;
  const m = item.msg;
  const own = item.sender === store.me;
  const name = store.users.name(item.sender) ?? t('message.unknownUser');
  const text = m ? m.text : (item.out?.text ?? '');
  const replyTo = m?.reply_to ?? item.out?.reply_to ?? null;
  const lang = i18n.language;
  const mentionsMe = m?.mentions.includes(store.me) ?? false;
  const seenNames = p.seenBy.map((u) => store.users.name(u) ?? t('message.unknownUser'));

  return (
    <article
      className={`msg${p.first ? ' first' : ''}${own ? ' own' : ''}${mentionsMe ? ' mentioned' : ''}${
        item.out?.state === 'failed' ? ' failed' : ''
      }`}
      data-state={m ? 'sent' : item.out?.state}
      data-seq={m?.seq}
      // Focusable by a tap (not by Tab), so touch screens can show the toolbar.
      tabIndex={-1}
      aria-label={`${name}, ${formatTime(item.ts, lang)}`}
    >
      <div className="msg-gutter">
        {p.first ? (
          <Avatar user={item.sender} name={name} size={36} presence={!p.direct} />
        ) : (
          <time className="msg-hover-time" dateTime={new Date(item.ts).toISOString()}>
            {formatTime(item.ts, lang)}
          </time>
        )}
      </div>
      <div className="msg-body">
        {p.first && (
          <header className="msg-head">
            <span className="msg-author">{name}</span>
            <time dateTime={new Date(item.ts).toISOString()} title={formatFull(item.ts, lang)}>
              {formatTime(item.ts, lang)}
            </time>
          </header>
        )}
        {replyTo && <ReplyQuote log={p.log} id={replyTo} />}
        <div className="msg-text">
          {m?.deleted ? (
            <span className="deleted">{t('message.deleted')}</span>
          ) : (
            <RichText text={text} me={store.client.user?.username} />
          )}
          {m?.edited_at && !m.deleted && <span className="edited"> {t('message.edited')}</span>}
          {own && <DeliveryStatus item={item} />}
        </div>
        {m && !m.deleted && <Reactions conv={p.conv} msg={m} />}
        {p.replyCount > 0 && !p.inThread && m && (
          <button type="button" className="thread-link" onClick={() => p.onThread?.(m.id)}>
            💬 {t('message.replies', { count: p.replyCount })}
          </button>
        )}
        {p.isLastOwn && seenNames.length > 0 && (
          <p className="seen-by">
            {p.direct
              ? t('message.seen')
              : t('message.seenBy', { names: formatList(seenNames, lang) })}
          </p>
        )}
      </div>
      {m && !m.deleted && (
        <MessageActions
          conv={p.conv}
          msg={m}
          own={own}
          inThread={p.inThread ?? false}
          onReply={() => p.onReply(m)}
          onThread={() => p.onThread?.(m.id)}
          onEdit={() => p.onEdit(m)}
          onDelete={() => setConfirm(true)}
        />
      )}
      {confirm && m && (
        <ConfirmDialog
          title={t('dialogs.deleteTitle')}
          body={t('dialogs.deleteBody')}
          confirm={t('dialogs.delete')}
          onCancel={() => setConfirm(false)}
          onConfirm={() => {
            setConfirm(false);
            store.client.delete(p.conv, m.id).catch(() => {});
          }}
        />
      )}
    </article>
  );
});
