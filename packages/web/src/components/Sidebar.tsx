import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { ConversationItem } from './ConversationItem.js';
import type { DialogName } from './Dialogs.js';
import { WorkspaceSwitcher } from './WorkspaceSwitcher.js';

/** Workspace switcher, actions and the conversation list (newest activity first). */
export function Sidebar({
  current,
  openDialog,
}: {
  current: string | null;
  openDialog: (d: DialogName) => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('convs', 'workspaces');
  const ws = store.workspaceId;
  const list = store.convs.filter((c) => c.kind !== 'channel' || c.workspace_id === ws);
  return (
    <nav className="sidebar" aria-label={t('sidebar.conversations')}>
      <header className="sidebar-head">
        <WorkspaceSwitcher openDialog={openDialog} />
        <button
          type="button"
          className="icon"
          aria-label={t('sidebar.settings')}
          title={t('sidebar.settings')}
          onClick={() => openDialog('settings')}
        >
          ⚙
        </button>
      </header>
      <div className="sidebar-actions">
        <button type="button" onClick={() => openDialog('dm')}>
          ✎ {t('sidebar.newDm')}
        </button>
        <button type="button" onClick={() => openDialog('group')}>
          + {t('sidebar.newGroup')}
        </button>
        {ws && (
          <>
            <button type="button" onClick={() => openDialog('channel')}>
              # {t('sidebar.newChannel')}
            </button>
            <button type="button" onClick={() => openDialog('browse')}>
              ⌕ {t('sidebar.browse')}
            </button>
          </>
        )}
      </div>
      {list.length === 0 ? (
        <p className="sidebar-empty">{t('sidebar.empty')}</p>
      ) : (
        <ul className="conv-list" aria-label={t('sidebar.conversations')}>
          {list.map((c) => (
            <ConversationItem key={c.id} conv={c} active={c.id === current} />
          ))}
        </ul>
      )}
    </nav>
  );
}
