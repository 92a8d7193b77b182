import type { ConversationView } from '@parley/protocol';
import { useTranslation } from 'react-i18next';

/** What a conversation is called: the peer for a direct one, else its title. */
export function useConvTitle(conv: ConversationView): string {
  const { t } = useTranslation();
  if (conv.kind === 'direct') {
    return conv.peer ? conv.peer.display_name || conv.peer.username : t('conversation.direct');
  }
  return conv.title;
}
