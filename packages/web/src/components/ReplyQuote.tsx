import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { plainText } from '../lib/markdown.js';
import type { MessageLog } from '../lib/message-log.js';

/** The quoted message a reply answers (as plain text). */
export function ReplyQuote({ log, id }: { log: MessageLog; id: string }) {
  const store = useStore();
  const { t } = useTranslation();
  const parent = log.get(id);
  if (!parent) {
    return <blockquote className="reply-quote muted">{t('message.originalMissing')}</blockquote>;
  }
  const name = store.users.name(parent.sender) ?? t('message.unknownUser');
  return (
    <blockquote className="reply-quote">
      <span className="reply-author">{name}</span>
      <span className="reply-text">
        {parent.deleted ? t('message.deleted') : plainText(parent.text).slice(0, 200)}
      </span>
    </blockquote>
  );
}
