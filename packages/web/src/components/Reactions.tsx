import type { MessageEvent } from '@parley/protocol';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { formatList } from '../lib/format.js';

/** Reaction chips; clicking one toggles my reaction. */
export function Reactions({ conv, msg }: { conv: string; msg: MessageEvent }) {
  const store = useStore();
  const { t, i18n } = useTranslation();
  const entries = Object.entries(msg.reactions ?? {}).filter(([, users]) => users.length > 0);
  if (entries.length === 0) return null;
  return (
    <div className="reactions">
      {entries.map(([emoji, users]) => {
        const mine = users.includes(store.me);
        const names = users.map((u) =>
          u === store.me ? t('message.you') : (store.users.name(u) ?? t('message.unknownUser')),
        );
        const label = t('message.reactedBy', { emoji, names: formatList(names, i18n.language) });
        return (
          <button
            key={emoji}
            type="button"
            className={mine ? 'reaction mine' : 'reaction'}
            aria-pressed={mine}
            aria-label={label}
            title={label}
            onClick={() => store.client.react(conv, msg.id, emoji, !mine).catch(() => {})}
          >
            <span aria-hidden="true">{emoji}</span> {users.length}
          </button>
        );
      })}
    </div>
  );
}
