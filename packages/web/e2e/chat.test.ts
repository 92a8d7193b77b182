/**
 * Two people in two browser contexts: sign up, start a DM, exchange messages, see typing,
 * read receipts and unread counts change.
 */
import { describe, expect, it } from 'vitest';
import {
  composer,
  eventually,
  messageTexts,
  newPage,
  send,
  setUpAppAndBrowser,
  signUp,
  startDm,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

describe('two people chatting', () => {
  it.sequential('sign up, DM, messages, typing, read receipts and unread counts', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    await signUp(a.page, app.server.url, ann, 'Ann Lee');
    await signUp(b.page, app.server.url, bob, 'Bob Kim');

    // Ann starts a DM with Bob and says hello.
    await startDm(a.page, bob);
    await send(a.page, 'Hello **Bob**, see https://example.com');
    await eventually(() => messageTexts(a.page)).toEqual(['Hello Bob, see https://example.com']);
    await a.page.locator('.msg[data-state=sent]').first().waitFor();
    await a.page.locator('.msg-text strong', { hasText: 'Bob' }).waitFor();
    await a.page.locator('.msg-text a[href="https://example.com"]').waitFor();

    // Bob sees the conversation with one unread message in the list.
    const bobItem = b.page.locator('a.conv-item', { hasText: 'Ann Lee' });
    await bobItem.waitFor();
    await bobItem.locator('.badge', { hasText: '1' }).waitFor();
    expect(await bobItem.locator('.conv-preview').textContent()).toContain('Hello Bob');

    // Bob opens it: the badge goes, Ann sees "Seen".
    await bobItem.click();
    await eventually(() => messageTexts(b.page)).toEqual(['Hello Bob, see https://example.com']);
    await bobItem.locator('.badge').waitFor({ state: 'detached' });
    await a.page.locator('.seen-by', { hasText: 'Seen' }).waitFor();

    // Bob types: Ann sees it; Bob answers.
    await composer(b.page).pressSequentially('Hi An', { delay: 20 });
    await a.page.locator('div.typing-line', { hasText: 'Bob Kim is typing' }).waitFor();
    await composer(b.page).pressSequentially('n!');
    await composer(b.page).press('Enter');
    await eventually(() => messageTexts(a.page)).toEqual([
      'Hello Bob, see https://example.com',
      'Hi Ann!',
    ]);
    await a.page.locator('div.typing-line', { hasText: 'typing' }).waitFor({ state: 'detached' });
    // Ann has the conversation open: she reads it at once, and Bob sees "Seen".
    await b.page.locator('.seen-by', { hasText: 'Seen' }).waitFor();

    // Ann goes back to the list on another conversation view: unread grows while away.
    await a.page.goto(`${app.server.url}/`);
    await a.page.locator('nav.sidebar').waitFor();
    await send(b.page, 'one');
    await send(b.page, 'two');
    const annItem = a.page.locator('a.conv-item', { hasText: 'Bob Kim' });
    await annItem.locator('.badge', { hasText: '2' }).waitFor();
    await annItem.click();
    await annItem.locator('.badge').waitFor({ state: 'detached' });
    await eventually(() => messageTexts(a.page)).toEqual([
      'Hello Bob, see https://example.com',
      'Hi Ann!',
      'one',
      'two',
    ]);
    // The list and grouping: Bob's three messages in a row form one group (one author line).
    expect(await a.page.locator('.msg.first .msg-author', { hasText: 'Bob Kim' }).count()).toBe(1);

    await a.context.close();
    await b.context.close();
  });
});
