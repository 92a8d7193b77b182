import type { ConversationView } from '@parley/protocol';
import { hueOf } from '../lib/format.js';
import { Avatar } from './Avatar.js';

/** The picture of a conversation: the peer's avatar, a group mark or a channel hash. */
export function ConvIcon({
  conv,
  title,
  size = 40,
}: {
  conv: ConversationView;
  title: string;
  size?: number;
}) {
  if (conv.kind === 'direct' && conv.peer) {
    return <Avatar user={conv.peer.id} name={title} size={size} presence />;
  }
  return (
    <span
      className={`avatar conv-${conv.kind}`}
      style={{ width: size, height: size, fontSize: size * 0.45, '--hue': hueOf(conv.id) } as never}
      aria-hidden="true"
    >
      {conv.kind === 'channel' ? '#' : '👥'}
    </span>
  );
}
