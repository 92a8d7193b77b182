import type { MessageEvent, User } from '@parley/protocol';
import { ParleyError } from '@parley/sdk';
import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { TYPING_REPEAT_MS } from '../app/typing.js';
import { composerKeyAction, insertMention, mentionAt } from '../lib/keys.js';
import { plainText } from '../lib/markdown.js';
import { MentionPopup } from './MentionPopup.js';

/** Trailing whitespace and leading blank lines are not part of a message. */
function clean(text: string): string {
  return text.replace(/^(\s*\n)+/, '').replace(/\s+$/, '');
}

/**
 * The message composer. Enter sends, Shift+Enter is a new line, Up (when empty) edits my last
 * message, Esc cancels an edit or reply. Keys pressed while an IME composes (Korean …) are left
 * to the IME, so Enter finishes the syllable and never sends half a word. The draft is kept per
 * conversation, across reloads and a lost session.
 */
export function Composer({
  conv,
  threadRoot = null,
  placeholder,
  replyTo = null,
  onCancelReply,
  editing,
  onEditing,
  lastOwn,
  onEscape,
}: {
  conv: string;
  threadRoot?: string | null;
  placeholder: string;
  replyTo?: MessageEvent | null;
  onCancelReply?: () => void;
  editing: MessageEvent | null;
  onEditing: (m: MessageEvent | null) => void;
  lastOwn: MessageEvent | null;
  onEscape?: () => void;
}) {
  const store = useStore();
  const { t } = useTranslation();
  useTopics(`members:${conv}`, 'users');
  const draftKey = threadRoot ? `${conv}:${threadRoot}` : conv;
  const [text, setText] = useState(() => store.draft(draftKey));
  const [error, setError] = useState<string | null>(null);
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const saved = useRef('');
  const id = useId();

  // Entering edit mode puts the message text in; leaving restores the draft.
  useEffect(() => {
    if (editing) {
      saved.current = ref.current?.value ?? '';
      setText(editing.text);
      requestAnimationFrame(() => {
        const el = ref.current;
        el?.focus();
        el?.setSelectionRange(el.value.length, el.value.length);
      });
    }
  }, [editing]);

  useEffect(() => {
    if (replyTo) ref.current?.focus();
  }, [replyTo]);

  // Focus on open (not on touch screens, where it would pop the keyboard up), caret at the end.
  useEffect(() => {
    const el = ref.current;
    if (!el || !window.matchMedia('(pointer: fine)').matches) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const candidates: User[] = mention
    ? (store.members.get(conv) ?? [])
        .map((m) => m.user)
        .filter((u) => u.id !== store.me)
        .filter((u) => {
          const q = mention.query.toLowerCase();
          return (
            u.username.toLowerCase().startsWith(q) || u.display_name.toLowerCase().startsWith(q)
          );
        })
        .slice(0, 8)
    : [];
  const popupOpen = mention !== null && candidates.length > 0;

  // A caret to place once React has put the new text in the textarea: in the same commit,
  // before the browser handles the next key (a later frame would let a fast typist's next
  // character land before the caret moves back).
  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  });

  const update = (value: string, caret: number) => {
    setText(value);
    setError(null);
    if (!editing) store.saveDraft(draftKey, value);
    setMention(mentionAt(value, caret));
    setActive(0);
    const now = Date.now();
    if (value.trim() && !editing && now - lastTyping.current > TYPING_REPEAT_MS) {
      lastTyping.current = now;
      store.client.typing(conv, true);
    } else if (!value.trim() && lastTyping.current) {
      lastTyping.current = 0;
      store.client.typing(conv, false);
    }
  };

  const stopEditing = () => {
    onEditing(null);
    setText(saved.current);
  };

  const submit = () => {
    const body = clean(text);
    if (!body) return;
    try {
      if (editing) {
        if (body !== editing.text) store.client.edit(conv, editing.id, body).catch(() => {});
        stopEditing();
        return;
      }
      store.send(conv, body, { reply_to: replyTo?.id ?? null, thread_root: threadRoot });
      lastTyping.current = 0;
      setText('');
      store.saveDraft(draftKey, '');
      setMention(null);
      onCancelReply?.();
    } catch (err) {
      const code = err instanceof ParleyError ? err.code : 'generic';
      setError(t(`errors.${code}`, { defaultValue: t('errors.generic') }));
    }
  };

  const pick = (u: User) => {
    const el = ref.current;
    if (!el || !mention) return;
    const r = insertMention(text, el.selectionStart, mention.start, u.username);
    pendingCaret.current = r.caret;
    update(r.text, r.caret);
    setMention(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    const native = e.nativeEvent;
    if (native.isComposing || e.keyCode === 229) return; // the IME's key
    if (popupOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = candidates.length;
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        pick(candidates[active] ?? candidates[0]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    const action = composerKeyAction(
      {
        key: e.key,
        keyCode: e.keyCode,
        shiftKey: e.shiftKey,
        altKey: e.altKey,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        isComposing: native.isComposing,
      },
      { empty: text === '' },
    );
    if (action === 'send') {
      e.preventDefault();
      submit();
    } else if (action === 'edit-last' && lastOwn && !editing) {
      e.preventDefault();
      onEditing(lastOwn);
    } else if (action === 'close') {
      // Handled here: the key stops (preventDefault) so a panel around does not close too.
      if (editing) {
        e.preventDefault();
        stopEditing();
      } else if (replyTo) {
        e.preventDefault();
        onCancelReply?.();
      } else onEscape?.();
    }
  };

  const replyName = replyTo ? (store.users.name(replyTo.sender) ?? t('message.unknownUser')) : '';
  return (
    <div className="composer">
      {editing && (
        <div className="composer-bar">
          <span>✎ {t('composer.editing')}</span>
          <button type="button" className="link" onClick={stopEditing}>
            {t('composer.cancelEdit')}
          </button>
        </div>
      )}
      {replyTo && !editing && (
        <div className="composer-bar">
          <span className="composer-reply">
            ↩ {t('message.replyingTo', { name: replyName })}:{' '}
            <span className="muted">{plainText(replyTo.text).slice(0, 80)}</span>
          </span>
          <button
            type="button"
            className="icon"
            aria-label={t('composer.cancelReply')}
            onClick={onCancelReply}
          >
            ✕
          </button>
        </div>
      )}
      {popupOpen && (
        <MentionPopup id={`${id}-mentions`} users={candidates} active={active} onPick={pick} />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form
        className="composer-row"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          ref={ref}
          rows={1}
          value={text}
          placeholder={placeholder}
          aria-label={t('composer.label')}
          aria-describedby={`${id}-hint`}
          aria-autocomplete="list"
          aria-controls={popupOpen ? `${id}-mentions` : undefined}
          aria-activedescendant={popupOpen ? `${id}-mentions-${active}` : undefined}
          enterKeyHint="send"
          onChange={(e) => update(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            if (lastTyping.current) store.client.typing(conv, false);
            lastTyping.current = 0;
          }}
        />
        <button
          type="submit"
          className="send"
          aria-label={editing ? t('composer.save') : t('composer.send')}
          title={editing ? t('composer.save') : t('composer.send')}
          disabled={!clean(text)}
        >
          {editing ? '✓' : '➤'}
        </button>
      </form>
      <p id={`${id}-hint`} className="visually-hidden">
        {t('composer.hint')}
      </p>
    </div>
  );
}
