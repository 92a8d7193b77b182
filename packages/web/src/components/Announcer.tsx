import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { plainText } from '../lib/markdown.js';
import type { useTimeline } from './useTimeline.js';

/**
 * Reads out the newest message from someone else to screen readers (the virtualized list
 * itself is not a live region: rows mount and unmount while scrolling).
 */
export function Announcer({ timeline }: { timeline: ReturnType<typeof useTimeline> }) {
  const store = useStore();
  const { t } = useTranslation();
  let text = '';
  for (let i = timeline.rows.length - 1; i >= 0; i--) {
    const r = timeline.rows[i]!;
    if (r.kind !== 'msg' || !r.item.msg) continue;
    if (r.item.sender !== store.me && !r.item.msg.deleted) {
      const name = store.users.name(r.item.sender) ?? t('message.unknownUser');
      text = `${name}: ${plainText(r.item.msg.text)}`;
    }
    break;
  }
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  );
}
