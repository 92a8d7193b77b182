/**
 * A send the server refuses for good shows "Not sent" with Retry and Discard; Retry sends it
 * (same client id, so never twice). The refusal is injected by routing the page's WebSocket.
 */
import { describe, expect, it } from 'vitest';
import {
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

describe('failed sends', () => {
  it('shows failed with retry and discard; retry delivers once', async () => {
    const bob = uniqueName('bob');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    await signUp(b.page, app.server.url, bob, 'Bob');
    await signUp(a.page, app.server.url, uniqueName('ann'), 'Ann');
    await startDm(a.page, bob);
    await send(a.page, 'works');

    // From now on the "server" refuses sends (forbidden: not retryable).
    let refuse = true;
    await a.page.routeWebSocket(/\/v1\/ws$/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((msg) => {
        const f = JSON.parse(String(msg)) as { type: string; rid?: unknown };
        if (f.type === 'send' && refuse) {
          ws.send(JSON.stringify({ type: 'error', rid: f.rid, code: 'forbidden', message: 'no' }));
          return;
        }
        upstream.send(msg);
      });
      upstream.onMessage((msg) => ws.send(msg));
    });
    await a.page.reload();
    await eventually(() => messageTexts(a.page)).toEqual(['works']);

    await send(a.page, 'refused once');
    await send(a.page, 'refused and dropped');
    const failed = a.page.locator('article.msg.failed');
    await eventually(() => failed.count()).toBe(2);
    await failed.first().getByText('Not sent').waitFor();

    // Discard the second; retry the first once the server accepts again.
    await failed.nth(1).getByRole('button', { name: 'Discard' }).click();
    await eventually(() => messageTexts(a.page)).toEqual(['works', 'refused once']);
    refuse = false;
    await failed.first().getByRole('button', { name: 'Retry' }).click();
    await a.page.locator('article.msg[data-state=sent]', { hasText: 'refused once' }).waitFor();
    await b.page.locator('a.conv-item', { hasText: 'Ann' }).click();
    await eventually(() => messageTexts(b.page)).toEqual(['works', 'refused once']);
    await b.page.waitForTimeout(500);
    expect(await messageTexts(b.page)).toEqual(['works', 'refused once']);

    await a.context.close();
    await b.context.close();
  });
});
