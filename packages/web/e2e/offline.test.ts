/**
 * Offline: one page loses its network, keeps writing (messages show pending), and when the
 * network is back the outbox delivers everything in order, once.
 */
import { describe, expect, it } from 'vitest';
import {
  eventually,
  messageList,
  messageTexts,
  newPage,
  send,
  setUpAppAndBrowser,
  signUp,
  startDm,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

describe('offline', () => {
  it('queues messages while offline and sends them in order, once, on reconnect', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    await signUp(a.page, app.server.url, ann, 'Ann');
    await signUp(b.page, app.server.url, bob, 'Bob');
    await startDm(a.page, bob);
    await send(a.page, 'before');
    await b.page.locator('a.conv-item', { hasText: 'Ann' }).click();
    await eventually(() => messageTexts(b.page)).toEqual(['before']);

    await a.context.setOffline(true);
    await a.page.locator('.banner', { hasText: 'offline' }).waitFor();
    const queued = ['first while offline', 'second 두 번째', 'third 🎉'];
    for (const text of queued) await send(a.page, text);
    await eventually(() => messageTexts(a.page)).toEqual(['before', ...queued]);
    expect(await messageList(a.page).locator('.msg[data-state=pending]').count()).toBe(3);
    expect(await a.page.locator('.status.pending').count()).toBe(3);
    // Nothing reached Bob.
    await b.page.waitForTimeout(500);
    expect(await messageTexts(b.page)).toEqual(['before']);

    await a.context.setOffline(false);
    await eventually(() => messageTexts(b.page), 20_000).toEqual(['before', ...queued]);
    await eventually(() => messageList(a.page).locator('.msg[data-state=pending]').count()).toBe(0);
    await a.page.locator('.banner').waitFor({ state: 'detached' });
    // Once: nothing is duplicated after things settle, on either side, even after a reload.
    await b.page.waitForTimeout(1000);
    expect(await messageTexts(b.page)).toEqual(['before', ...queued]);
    expect(await messageTexts(a.page)).toEqual(['before', ...queued]);
    await b.page.reload();
    await eventually(() => messageTexts(b.page)).toEqual(['before', ...queued]);

    await a.context.close();
    await b.context.close();
  });
});
