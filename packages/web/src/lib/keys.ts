/** What a key press in the composer means. */
export type ComposerAction = 'send' | 'newline' | 'edit-last' | 'close' | 'none';

export interface KeyLike {
  key: string;
  keyCode: number;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  isComposing: boolean;
}

/**
 * True while an input method (Korean, Japanese, Chinese …) is composing: the key belongs to
 * the IME. Chrome reports `isComposing`; Safari fires the Enter that ends a composition after
 * `compositionend` with keyCode 229, so both are checked.
 */
export function isImeKey(e: Pick<KeyLike, 'isComposing' | 'keyCode'>): boolean {
  return e.isComposing || e.keyCode === 229;
}

/**
 * Enter sends, Shift+Enter (or Alt+Enter) is a new line, Up in an empty composer edits the last
 * own message, Esc closes what is open. Nothing happens while an IME composes.
 */
export function composerKeyAction(e: KeyLike, ctx: { empty: boolean }): ComposerAction {
  if (isImeKey(e)) return 'none';
  if (e.key === 'Enter') {
    if (e.shiftKey || e.altKey) return 'newline';
    if (e.ctrlKey || e.metaKey) return 'send';
    return 'send';
  }
  if (e.key === 'ArrowUp' && ctx.empty && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
    return 'edit-last';
  }
  if (e.key === 'Escape') return 'close';
  return 'none';
}

/** The @mention being typed at the caret: where it starts and what follows the @. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.-]{0,32})$/u.exec(before);
  if (!m) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Replaces the mention being typed with `@username ` and returns the new text and caret. */
export function insertMention(
  text: string,
  caret: number,
  start: number,
  username: string,
): { text: string; caret: number } {
  const ins = `@${username} `;
  const after = text.slice(caret).replace(/^[\p{L}\p{N}_.-]*/u, '');
  return { text: text.slice(0, start) + ins + after, caret: start + ins.length };
}
