import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import type { DialogName } from './Dialogs.js';

const CREATE = '__create__';

/** Picks the current workspace, or creates one. */
export function WorkspaceSwitcher({ openDialog }: { openDialog: (d: DialogName) => void }) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('workspaces');
  const id = useId();
  const current = store.workspaces.find((w) => w.id === store.workspaceId);
  return (
    <div className="ws-switcher">
      <label htmlFor={id} className="visually-hidden">
        {t('workspace.switch')}
      </label>
      <select
        id={id}
        value={current?.id ?? ''}
        onChange={(e) => {
          if (e.target.value === CREATE) openDialog('workspace');
          else store.selectWorkspace(e.target.value);
        }}
      >
        {!current && <option value="">{t('workspace.none')}</option>}
        {store.workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
        <option value={CREATE}>+ {t('workspace.create')}</option>
      </select>
      {current && (current.role === 'owner' || current.role === 'admin') && (
        <button
          type="button"
          className="icon"
          aria-label={t('workspace.invite')}
          title={t('workspace.invite')}
          onClick={() => openDialog('invite')}
        >
          ⤴
        </button>
      )}
    </div>
  );
}
