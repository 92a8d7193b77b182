import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { hueOf, initial } from '../lib/format.js';

/** A round initial in a stable colour, with an optional presence dot. */
export function Avatar({
  user,
  name,
  size = 36,
  presence = false,
}: {
  user: string;
  name: string;
  size?: number;
  presence?: boolean;
}) {
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, fontSize: size * 0.42, '--hue': hueOf(user) } as never}
      aria-hidden="true"
    >
      {initial(name)}
      {presence && <PresenceDot user={user} />}
    </span>
  );
}

export function PresenceDot({ user }: { user: string }) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('presence');
  const status = store.users.presence(user);
  return (
    <span
      className={`presence-dot ${status}`}
      role="img"
      aria-label={t(`presence.${status}`)}
      title={t(`presence.${status}`)}
    />
  );
}
