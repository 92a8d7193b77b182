import type { User } from '@parley/protocol';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { Avatar } from '../Avatar.js';

/** Searches people by name; `onPick` gets the clicked one. */
export function UserPicker({
  onPick,
  selected = [],
}: {
  onPick: (u: User) => void;
  selected?: string[];
}) {
  const store = useStore();
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<User[] | null>(null);
  const id = useId();

  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setUsers(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      store.client.api.searchUsers(query).then(
        (r) => {
          if (!live) return;
          store.users.add(r.users);
          setUsers(r.users.filter((u) => u.id !== store.me));
        },
        () => live && setUsers([]),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, store]);

  return (
    <div className="user-picker">
      <label htmlFor={id}>{t('dialogs.searchUsers')}</label>
      <input
        id={id}
        type="search"
        name="user-search"
        autoComplete="off"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      {users && users.length === 0 && <p className="muted">{t('dialogs.noUsers')}</p>}
      {users && users.length > 0 && (
        <ul className="pick-list" aria-label={t('dialogs.searchUsers')}>
          {users.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                className="pick"
                aria-pressed={selected.includes(u.id)}
                onClick={() => onPick(u)}
              >
                <Avatar user={u.id} name={u.display_name || u.username} size={28} />
                <span className="pick-name">{u.display_name || u.username}</span>
                <span className="muted">@{u.username}</span>
                {selected.includes(u.id) && <span aria-hidden="true">✓</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
