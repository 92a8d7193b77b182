import { useEffect, useState } from 'react';
import { useStore, useTopics } from '../app/context.js';
import { useRoute } from '../app/router.js';
import { ConversationPane } from './ConversationPane.js';
import { type DialogName, Dialogs } from './Dialogs.js';
import { EmptyPane } from './EmptyPane.js';
import { OfflineBanner } from './OfflineBanner.js';
import { Sidebar } from './Sidebar.js';
import { ThreadPanel } from './ThreadPanel.js';

/**
 * The signed-in layout: conversation list, conversation, thread panel. On a phone one of them
 * fills the screen (the route says which).
 */
export function Shell() {
  const store = useStore();
  const route = useRoute();
  useTopics('convs');
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const convId = route.name === 'conv' ? route.id : null;
  const [thread, setThread] = useState<{ conv: string; root: string } | null>(null);

  useEffect(() => {
    if (thread && thread.conv !== convId) setThread(null);
  }, [convId, thread]);

  // Unread messages in the tab title, so a background tab shows that something arrived.
  const unread = store.convs.reduce((n, c) => n + (c.muted ? 0 : c.unread), 0);
  useEffect(() => {
    const base = document.title.replace(/^\(\d+\+?\) /, '');
    document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
  });

  const conv = convId ? store.client.conversation(convId) : undefined;
  const view = thread ? 'thread' : convId ? 'conv' : 'list';
  return (
    <div className="shell" data-view={view}>
      <OfflineBanner />
      <div className="columns">
        <Sidebar current={convId} openDialog={setDialog} />
        <main className="pane">
          {convId && conv ? (
            <ConversationPane
              key={convId}
              conv={conv}
              openThread={(root) => setThread({ conv: convId, root })}
            />
          ) : (
            <EmptyPane loading={convId !== null} />
          )}
        </main>
        {thread && (
          <ThreadPanel conv={thread.conv} root={thread.root} onClose={() => setThread(null)} />
        )}
      </div>
      {dialog && <Dialogs name={dialog} onClose={() => setDialog(null)} open={setDialog} />}
    </div>
  );
}
