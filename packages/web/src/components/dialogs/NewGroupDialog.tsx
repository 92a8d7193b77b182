import type { User } from '@parley/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { convPath, navigate } from '../../app/router.js';
import { Dialog } from '../Dialog.js';
import { UserPicker } from './UserPicker.js';
import { useAction } from './useAction.js';

/** Creates a group with a name and people picked by search. */
export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<User[]>([]);
  const { busy, error, run } = useAction();
  const toggle = (u: User) =>
    setMembers((m) => (m.some((x) => x.id === u.id) ? m.filter((x) => x.id !== u.id) : [...m, u]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const c = await store.client.createConversation({
        kind: 'group',
        title: title.trim(),
        members: members.map((m) => m.id),
      });
      onClose();
      navigate(convPath(c.id));
    });
  };
  return (
    <Dialog title={t('sidebar.newGroup')} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          <span>{t('dialogs.groupTitle')}</span>
          <input required maxLength={80} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <UserPicker onPick={toggle} selected={members.map((m) => m.id)} />
        <p className="muted" aria-live="polite">
          {t('dialogs.selected', { count: members.length })}
          {members.length > 0 && `: ${members.map((m) => m.display_name || m.username).join(', ')}`}
        </p>
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
