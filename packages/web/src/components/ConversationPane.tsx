import type { ConversationView, MessageEvent } from '@parley/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { navigate } from '../app/router.js';
import { Announcer } from './Announcer.js';
import { Composer } from './Composer.js';
import { ConvIcon } from './ConvIcon.js';
import { ConversationDetailsDialog } from './dialogs/ConversationDetailsDialog.js';
import { MessageList } from './MessageList.js';
import { TypingIndicator } from './TypingIndicator.js';
import { useConvTitle } from './useConvTitle.js';
import { useTimeline } from './useTimeline.js';

/** A conversation: header, message list, typing line and composer. */
export function ConversationPane({
  conv,
  openThread,
}: {
  conv: ConversationView;
  openThread: (root: string) => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics(`members:${conv.id}`, 'presence');
  const title = useConvTitle(conv);
  const [unreadAfter] = useState(() => (conv.unread > 0 ? conv.read_seq : null));
  const timeline = useTimeline(conv.id, null, unreadAfter);
  const [replyTo, setReplyTo] = useState<MessageEvent | null>(null);
  const [editing, setEditing] = useState<MessageEvent | null>(null);
  const [details, setDetails] = useState(false);
  const members = store.members.get(conv.id);

  useEffect(() => {
    document.title = `${title} · Parley`;
    return () => {
      document.title = 'Parley';
    };
  }, [title]);

  let subtitle = '';
  if (conv.kind === 'direct' && conv.peer)
    subtitle = t(`presence.${store.users.presence(conv.peer.id)}`);
  else if (members) subtitle = t('conversation.members', { count: members.length });

  return (
    <section className="conversation" aria-label={title}>
      <header className="conv-head">
        <button
          type="button"
          className="icon back"
          aria-label={t('conversation.back')}
          onClick={() => navigate('/')}
        >
          ‹
        </button>
        <ConvIcon conv={conv} title={title} size={34} />
        <div className="conv-head-text">
          <h2>{conv.kind === 'channel' ? `# ${title}` : title}</h2>
          {subtitle && <p className="muted">{subtitle}</p>}
        </div>
        <button
          type="button"
          className="icon conv-details"
          aria-label={t('details.open')}
          aria-haspopup="dialog"
          onClick={() => setDetails(true)}
        >
          ⓘ
        </button>
      </header>
      {details && <ConversationDetailsDialog conv={conv} onClose={() => setDetails(false)} />}
      <MessageList
        conv={conv}
        timeline={timeline}
        onReply={setReplyTo}
        onThread={openThread}
        onEdit={setEditing}
      />
      <Announcer timeline={timeline} />
      <TypingIndicator conv={conv.id} />
      <Composer
        conv={conv.id}
        placeholder={t('composer.placeholder', {
          name: conv.kind === 'channel' ? `#${title}` : title,
        })}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        editing={editing}
        onEditing={setEditing}
        lastOwn={timeline.lastOwn}
      />
    </section>
  );
}
