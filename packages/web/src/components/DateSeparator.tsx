import { useTranslation } from 'react-i18next';
import { formatDay } from '../lib/format.js';
import { dayLabelKind } from '../lib/timeline.js';

export function DateSeparator({ ts }: { ts: number }) {
  const { t, i18n } = useTranslation();
  const kind = dayLabelKind(ts, Date.now());
  const label =
    kind === 'today'
      ? t('conversation.today')
      : kind === 'yesterday'
        ? t('conversation.yesterday')
        : formatDay(ts, i18n.language);
  return (
    <div className="date-sep">
      <time dateTime={new Date(ts).toISOString().slice(0, 10)}>{label}</time>
    </div>
  );
}
