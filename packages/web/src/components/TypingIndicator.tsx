import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';

/** "Ann is typing…" under the list; always present so the layout does not jump. */
export function TypingIndicator({ conv }: { conv: string }) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('typing', 'users');
  const users = store.typing.users(conv).filter((u) => u !== store.me);
  const names = users.map((u) => store.users.name(u) ?? t('message.unknownUser'));
  let text = '';
  if (names.length === 1) text = t('typing.one', { a: names[0] });
  else if (names.length === 2) text = t('typing.two', { a: names[0], b: names[1] });
  else if (names.length > 2) text = t('typing.many');
  return (
    <div className="typing-line" aria-live="polite">
      {text && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
