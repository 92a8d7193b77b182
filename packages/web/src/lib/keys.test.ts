import { describe, expect, it } from 'vitest';
import { composerKeyAction, insertMention, mentionAt } from './keys.js';

const key = (over: Partial<Parameters<typeof composerKeyAction>[0]>) => ({
  key: 'Enter',
  keyCode: 13,
  shiftKey: false,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  isComposing: false,
  ...over,
});

describe('composerKeyAction', () => {
  it('sends on Enter and makes a new line on Shift+Enter', () => {
    expect(composerKeyAction(key({}), { empty: false })).toBe('send');
    expect(composerKeyAction(key({ shiftKey: true }), { empty: false })).toBe('newline');
  });

  it('never acts while an IME composes (isComposing or keyCode 229)', () => {
    expect(composerKeyAction(key({ isComposing: true }), { empty: false })).toBe('none');
    expect(composerKeyAction(key({ keyCode: 229 }), { empty: false })).toBe('none');
    expect(composerKeyAction(key({ key: 'ArrowUp', keyCode: 229 }), { empty: true })).toBe('none');
  });

  it('edits the last message on Up only when empty, closes on Esc', () => {
    expect(composerKeyAction(key({ key: 'ArrowUp', keyCode: 38 }), { empty: true })).toBe(
      'edit-last',
    );
    expect(composerKeyAction(key({ key: 'ArrowUp', keyCode: 38 }), { empty: false })).toBe('none');
    expect(composerKeyAction(key({ key: 'Escape', keyCode: 27 }), { empty: false })).toBe('close');
  });
});

describe('mentions', () => {
  it('finds the mention at the caret', () => {
    expect(mentionAt('hi @an', 6)).toEqual({ start: 3, query: 'an' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('mail a@b', 8)).toBeNull();
    expect(mentionAt('hi @ann there', 13)).toBeNull();
    expect(mentionAt('안녕 @민', 5)).toEqual({ start: 3, query: '민' });
  });

  it('inserts the chosen username', () => {
    expect(insertMention('hi @an!', 6, 3, 'ann')).toEqual({ text: 'hi @ann !', caret: 8 });
    expect(insertMention('@a', 2, 0, 'ann')).toEqual({ text: '@ann ', caret: 5 });
  });
});
