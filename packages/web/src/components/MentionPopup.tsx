import type { User } from '@parley/protocol';
import { useTranslation } from 'react-i18next';
import { Avatar } from './Avatar.js';

/** Members matching the @mention being typed; the composer moves the active option. */
export function MentionPopup({
  id,
  users,
  active,
  onPick,
}: {
  id: string;
  users: User[];
  active: number;
  onPick: (u: User) => void;
}) {
  const { t } = useTranslation();
  return (
    <div id={id} className="mention-popup" role="listbox" aria-label={t('composer.mentions')}>
      {users.map((u, i) => (
        <div
          key={u.id}
          tabIndex={-1}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          onMouseDown={(e) => {
            e.preventDefault(); // keep the focus in the composer
            onPick(u);
          }}
        >
          <Avatar user={u.id} name={u.display_name || u.username} size={22} />
          <span>{u.display_name || u.username}</span>
          <span className="muted">@{u.username}</span>
        </div>
      ))}
    </div>
  );
}
