import { useTranslation } from 'react-i18next';

export function EmptyPane({ loading }: { loading: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="empty-pane">
      <span className="logo big" aria-hidden="true" />
      <p>{loading ? t('app.loading') : t('conversation.pick')}</p>
    </div>
  );
}
