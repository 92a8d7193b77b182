/**
 * Korean IME through the Chrome DevTools Protocol: Enter while a syllable is being composed
 * finishes it and never sends; the sent message equals the composed text exactly. Also the
 * composer's keyboard: Shift+Enter, Up to edit, Esc.
 */
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  composer,
  eventually,
  messageTexts,
  newPage,
  setUpAppAndBrowser,
  signUp,
  startDm,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

/** Types one Hangul syllable the way an IME does: jamo by jamo, then commits it. */
async function composeSyllable(cdp: CDPSession, steps: string[], commit = true) {
  for (const s of steps) {
    await cdp.send('Input.imeSetComposition', {
      text: s,
      selectionStart: s.length,
      selectionEnd: s.length,
    });
  }
  if (commit) await cdp.send('Input.insertText', { text: steps[steps.length - 1]! });
}

/**
 * Enter as an IME delivers it while composing: a keydown the page sees (isComposing true, and
 * keyCode 229 on some systems) with no text of its own — the IME, not the page, decides what
 * the key does (it commits the syllable).
 */
async function imeEnter(cdp: CDPSession, keyCode: 13 | 229) {
  const base = {
    key: 'Enter',
    code: 'Enter',
    windowsVirtualKeyCode: keyCode,
    nativeVirtualKeyCode: keyCode,
  };
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...base });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
}

async function setup(
  locale: string,
): Promise<{ page: Page; cdp: CDPSession; close: () => Promise<void> }> {
  const peer = uniqueName('peer');
  const p = await newPage(app.browser, { locale });
  const q = await newPage(app.browser);
  await signUp(q.page, app.server.url, peer, 'Peer');
  await q.context.close();
  await signUp(p.page, app.server.url, uniqueName('min'), '민지');
  await startDm(p.page, peer);
  const cdp = await p.context.newCDPSession(p.page);
  await composer(p.page).focus();
  return { page: p.page, cdp, close: () => p.context.close() };
}

describe('Korean IME', () => {
  it('Enter during composition does not send; the message is exactly the composed text', async () => {
    const { page, cdp, close } = await setup('ko-KR');
    const box = composer(page);

    await composeSyllable(cdp, ['ㅎ', '하', '한']);
    await composeSyllable(cdp, ['ㄱ', '구', '국']);
    await composeSyllable(cdp, ['ㅇ', '어'], false); // "어" is still being composed
    // Enter while composing: the IME's key. Nothing is sent.
    await imeEnter(cdp, 13);
    await page.waitForTimeout(400);
    expect(await messageTexts(page)).toEqual([]);
    await cdp.send('Input.insertText', { text: '어' }); // the IME commits the syllable
    await eventually(() => box.inputValue()).toBe('한국어');

    // A second word, committed, then Enter sends.
    await page.keyboard.press('Space');
    await composeSyllable(cdp, ['ㅈ', '조', '좋']);
    await composeSyllable(cdp, ['ㅇ', '아']);
    await composeSyllable(cdp, ['ㅇ', '이', '인'], false);
    await imeEnter(cdp, 229); // during composition again, as macOS reports it
    await cdp.send('Input.insertText', { text: '요' }); // the IME turned 인 into 요 on commit
    await page.waitForTimeout(200);
    expect(await messageTexts(page)).toEqual([]);
    await page.keyboard.press('Enter'); // now it sends
    await eventually(() => messageTexts(page)).toEqual(['한국어 좋아요']);
    expect(await box.inputValue()).toBe('');
    // And the server stored exactly that (the list after a reload comes from history).
    await page.reload();
    await eventually(() => messageTexts(page)).toEqual(['한국어 좋아요']);
    await close();
  });

  it('Shift+Enter makes a new line, Up edits the last message, Esc cancels', async () => {
    const { page, close } = await setup('en-US');
    const box = composer(page);
    await box.pressSequentially('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await box.press('Enter');
    await eventually(() => messageTexts(page)).toEqual(['line one\nline two']);

    // Up in the empty composer edits it; Esc gives the draft back.
    await box.press('ArrowUp');
    await eventually(() => box.inputValue()).toBe('line one\nline two');
    await page.locator('.composer-bar', { hasText: 'Editing message' }).waitFor();
    await box.press('Escape');
    await eventually(() => box.inputValue()).toBe('');

    await box.press('ArrowUp');
    // The edit loads the message's text after the key press: filling before that would type
    // into the loaded text (a race seen in CI) instead of replacing it.
    await eventually(() => box.inputValue()).toBe('line one\nline two');
    await box.fill('edited text');
    await box.press('Enter');
    await eventually(() => messageTexts(page)).toEqual(['edited text']);
    await page.locator('.msg .edited').waitFor();
    await close();
  });
});
