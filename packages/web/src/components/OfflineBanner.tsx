import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';

/** Says when the connection is down (after a short grace period, to avoid flicker). */
export function OfflineBanner() {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('conn');
  const down = store.conn !== 'online';
  const [show, setShow] = useState(false);
  useEffect(() => {
    if (!down) {
      setShow(false);
      return;
    }
    const timer = setTimeout(() => setShow(true), navigator.onLine ? 1500 : 0);
    return () => clearTimeout(timer);
  }, [down]);
  if (!show) return null;
  const offline = !navigator.onLine || store.conn === 'offline';
  return (
    <div className={offline ? 'banner offline' : 'banner'} role="status" aria-live="polite">
      {offline ? t('connection.offline') : t('connection.connecting')}
    </div>
  );
}
