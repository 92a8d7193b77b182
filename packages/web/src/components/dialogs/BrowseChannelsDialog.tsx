import type { ChannelList } from '@parley/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { convPath, navigate } from '../../app/router.js';
import { Dialog } from '../Dialog.js';
import { useAction } from './useAction.js';

/** Lists the workspace's public channels; join one or open one I am in. */
export function BrowseChannelsDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const [channels, setChannels] = useState<ChannelList['channels'] | null>(null);
  const { error, run } = useAction();
  const ws = store.workspaceId;

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per workspace
  useEffect(() => {
    if (!ws) return;
    void run(async () => setChannels((await store.client.api.listChannels(ws)).channels));
  }, [ws, store]);

  const open = (id: string) => {
    onClose();
    navigate(convPath(id));
  };
  return (
    <Dialog title={t('sidebar.browse')} onClose={onClose}>
      {channels === null && !error && <p className="muted">{t('app.loading')}</p>}
      {channels?.length === 0 && <p className="muted">{t('dialogs.noChannels')}</p>}
      {channels && channels.length > 0 && (
        <ul className="pick-list" aria-label={t('sidebar.channels')}>
          {channels.map((c) => (
            <li key={c.id} className="channel-row">
              <span className="pick-name"># {c.title}</span>
              {c.member ? (
                <button type="button" onClick={() => open(c.id)}>
                  {t('dialogs.open')}
                </button>
              ) : (
                <button
                  type="button"
                  className="primary"
                  onClick={() =>
                    run(async () => {
                      const v = await store.client.api.joinConversation(c.id);
                      // The member event of the join adds it to the conversation list.
                      open(v.id);
                    })
                  }
                >
                  {t('dialogs.join')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
