import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import type { Item } from './useTimeline.js';

/** Pending (clock), sent (check), or failed with retry and discard. */
export function DeliveryStatus({ item }: { item: Item }) {
  const store = useStore();
  const { t } = useTranslation();
  const state = item.msg ? 'sent' : (item.out?.state ?? 'pending');
  if (state === 'failed' && item.out) {
    const cid = item.out.cid;
    return (
      <span className="status failed" role="alert">
        <span aria-hidden="true">⚠</span> {t('message.failed')}
        <button type="button" className="link" onClick={() => store.retry(cid)}>
          {t('message.retry')}
        </button>
        <button type="button" className="link" onClick={() => store.discard(cid)}>
          {t('message.discard')}
        </button>
      </span>
    );
  }
  if (state === 'sent') {
    return (
      <span
        className="status sent"
        role="img"
        aria-label={t('message.sent')}
        title={t('message.sent')}
      >
        ✓
      </span>
    );
  }
  return (
    <span
      className="status pending"
      role="img"
      aria-label={t('message.pending')}
      title={t('message.pending')}
    >
      🕓
    </span>
  );
}
