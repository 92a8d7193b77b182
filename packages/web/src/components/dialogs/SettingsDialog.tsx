import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { navigate } from '../../app/router.js';
import { Avatar } from '../Avatar.js';
import { Dialog } from '../Dialog.js';
import { LanguageSelect } from '../LanguageSelect.js';

/** Account, language, new workspace, sign out. */
export function SettingsDialog({
  onClose,
  openWorkspace,
}: {
  onClose: () => void;
  openWorkspace: () => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  const me = store.client.user;
  return (
    <Dialog title={t('sidebar.settings')} onClose={onClose}>
      <div className="stack">
        {me && (
          <p className="account">
            <Avatar user={me.id} name={me.display_name || me.username} size={32} />
            <span>{t('dialogs.account', { name: `${me.display_name} (@${me.username})` })}</span>
          </p>
        )}
        <LanguageSelect />
        <button type="button" onClick={openWorkspace}>
          {t('workspace.create')}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            navigate('/', true);
            void store.logout();
          }}
        >
          {t('auth.signOut')}
        </button>
      </div>
    </Dialog>
  );
}
