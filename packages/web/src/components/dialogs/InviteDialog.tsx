import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../app/context.js';
import { Dialog } from '../Dialog.js';
import { useAction } from './useAction.js';

/** Makes an invite link to the current workspace. */
export function InviteDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = useTranslation();
  const [link, setLink] = useState('');
  const [copied, setCopied] = useState(false);
  const { error, run } = useAction();
  const id = useId();
  const ws = store.workspaceId;

  // biome-ignore lint/correctness/useExhaustiveDependencies: one invite per opening
  useEffect(() => {
    if (!ws) return;
    void run(async () => {
      const inv = await store.client.api.createInvite(ws, { ttl_s: 7 * 86400 });
      setLink(`${location.origin}/invite/${encodeURIComponent(inv.code)}`);
    });
  }, [ws, store]);

  return (
    <Dialog title={t('workspace.invite')} onClose={onClose}>
      <p className="muted" id={`${id}-help`}>
        {t('workspace.inviteHelp')}
      </p>
      <div className="row">
        <input
          readOnly
          value={link}
          aria-label={t('workspace.invite')}
          aria-describedby={`${id}-help`}
          className="invite-link"
          onFocus={(e) => e.target.select()}
        />
        <button
          type="button"
          className="primary"
          disabled={!link}
          onClick={() => {
            navigator.clipboard?.writeText(link).then(
              () => setCopied(true),
              () => {},
            );
          }}
        >
          {copied ? t('workspace.copied') : t('workspace.copy')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
