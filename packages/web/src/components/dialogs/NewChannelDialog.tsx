import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { convPath, navigate } from '../../app/router.js';
import { Dialog } from '../Dialog.js';
import { useAction } from './useAction.js';

/** Creates a channel in the current workspace. */
export function NewChannelDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [isPublic, setPublic] = useState(true);
  const { busy, error, run } = useAction();
  const ws = store.workspaceId;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ws) return;
    void run(async () => {
      const c = await store.client.createConversation({
        kind: 'channel',
        workspace_id: ws,
        title: title.trim(),
        is_public: isPublic,
      });
      onClose();
      navigate(convPath(c.id));
    });
  };
  return (
    <Dialog title={t('sidebar.newChannel')} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          <span>{t('dialogs.channelName')}</span>
          <input required maxLength={80} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />
          <span>{t('dialogs.public')}</span>
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
          <button type="submit" className="primary" disabled={busy || !title.trim()}>
            {t('dialogs.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
