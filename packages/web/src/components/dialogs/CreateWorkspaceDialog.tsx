import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { Dialog } from '../Dialog.js';
import { useAction } from './useAction.js';

export function CreateWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await store.createWorkspace(name.trim());
      onClose();
    });
  };
  return (
    <Dialog title={t('workspace.create')} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          <span>{t('workspace.name')}</span>
          <input required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            {t('dialogs.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            {t('dialogs.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
