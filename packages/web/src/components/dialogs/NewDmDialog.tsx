import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { convPath, navigate } from '../../app/router.js';
import { Dialog } from '../Dialog.js';
import { UserPicker } from './UserPicker.js';
import { useAction } from './useAction.js';

/** Starts (or opens) a direct conversation with a person found by search. */
export function NewDmDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const { error, run } = useAction();
  return (
    <Dialog title={t('sidebar.newDm')} onClose={onClose}>
      <UserPicker
        onPick={(u) =>
          run(async () => {
            const c = await store.client.createConversation({ kind: 'direct', user: u.id });
            onClose();
            navigate(convPath(c.id));
          })
        }
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
