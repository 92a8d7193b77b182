import type { ConversationView, User } from '@parley/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../../app/context.js';
import { navigate } from '../../app/router.js';
import { Avatar } from '../Avatar.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { Dialog } from '../Dialog.js';
import { useConvTitle } from '../useConvTitle.js';
import { UserPicker } from './UserPicker.js';
import { useAction } from './useAction.js';

type Confirm = { kind: 'leave' } | { kind: 'remove'; user: User };

/**
 * A conversation's details: mute, its members (admins remove them), adding people, leaving.
 * The server decides what is allowed; the buttons only show what it would accept.
 */
export function ConversationDetailsDialog({
  conv: initial,
  onClose,
}: {
  conv: ConversationView;
  onClose: () => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics(`members:${initial.id}`, 'convs', 'users');
  const conv = store.client.conversation(initial.id) ?? initial;
  const title = useConvTitle(conv);
  const members = store.members.get(conv.id) ?? [];
  const { busy, error, run } = useAction();
  const [adding, setAdding] = useState(false);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  // Shown at once; set back if the server refuses.
  const [muted, setMuted] = useState(conv.muted);

  const body = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void store.loadMembers(initial.id);
  }, [initial.id, store]);

  // A removed member's button held the focus: keep it in the dialog, so that Esc still works.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the list changes
  useEffect(() => {
    if (!confirm && !body.current?.contains(document.activeElement)) body.current?.focus();
  }, [members.length, confirm]);

  const admin = conv.role === 'owner' || conv.role === 'admin';
  const canAdd = conv.kind === 'group' || (conv.kind === 'channel' && admin);
  const canRemove = conv.kind !== 'direct' && admin;
  const name = (u: User) => u.display_name || u.username;

  const onConfirm = () => {
    const c = confirm;
    setConfirm(null);
    if (c?.kind === 'leave') {
      void run(async () => {
        await store.client.leave(conv.id);
        onClose();
        navigate('/');
      });
    } else if (c?.kind === 'remove') {
      void run(() => store.client.api.removeMember(conv.id, c.user.id));
    }
  };

  return (
    <Dialog title={t('details.title', { name: title })} onClose={onClose}>
      <div className="stack details" ref={body} tabIndex={-1}>
        <label className="check">
          <input
            type="checkbox"
            checked={muted}
            disabled={busy}
            onChange={(e) => {
              const on = e.target.checked;
              setMuted(on);
              void run(() =>
                store.client.setMuted(conv.id, on).catch((err: unknown) => {
                  setMuted(!on);
                  throw err;
                }),
              );
            }}
          />
          <span>{t('details.mute')}</span>
        </label>
        <p className="muted">{t('details.muteHelp')}</p>

        <h3>{t('conversation.members', { count: members.length })}</h3>
        <ul className="member-list" aria-label={t('dialogs.members')}>
          {members.map((m) => (
            <li key={m.user.id} className="member-row">
              <Avatar user={m.user.id} name={name(m.user)} size={28} />
              <span className="pick-name">
                {name(m.user)}
                {m.user.id === store.me && ` ${t('details.you')}`}
              </span>
              {m.role !== 'member' && <span className="muted">{t(`details.role.${m.role}`)}</span>}
              {canRemove && m.role !== 'owner' && m.user.id !== store.me && (
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  aria-label={t('details.removeNamed', { name: name(m.user) })}
                  onClick={() => setConfirm({ kind: 'remove', user: m.user })}
                >
                  {t('details.remove')}
                </button>
              )}
            </li>
          ))}
        </ul>

        {canAdd &&
          (adding ? (
            <UserPicker
              selected={members.map((m) => m.user.id)}
              onPick={(u) => {
                if (members.some((m) => m.user.id === u.id)) return;
                void run(() => store.client.api.addMember(conv.id, u.id));
              }}
            />
          ) : (
            <button type="button" onClick={() => setAdding(true)}>
              {t('details.add')}
            </button>
          ))}

        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          {conv.kind !== 'direct' && (
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => setConfirm({ kind: 'leave' })}
            >
              {t('conversation.leave')}
            </button>
          )}
          <button type="button" onClick={onClose}>
            {t('dialogs.close')}
          </button>
        </div>
      </div>
      {confirm && (
        <ConfirmDialog
          title={
            confirm.kind === 'leave'
              ? t('details.leaveTitle', { name: title })
              : t('details.removeTitle', { name: name(confirm.user) })
          }
          body={confirm.kind === 'leave' ? t('details.leaveBody') : t('details.removeBody')}
          confirm={confirm.kind === 'leave' ? t('conversation.leave') : t('details.remove')}
          onConfirm={onConfirm}
          onCancel={() => setConfirm(null)}
        />
      )}
    </Dialog>
  );
}
