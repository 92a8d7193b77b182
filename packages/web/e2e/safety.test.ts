/**
 * Nothing a user types can inject HTML or script: payloads render as text, no dialog fires,
 * no element is created from them.
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

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  '[click](javascript:alert(4)) javascript:alert(5)',
  '**<b>bold?</b>** `<i>code</i>`',
  '```\n<iframe src="javascript:alert(6)"></iframe>\n```',
];

describe('safe rendering', () => {
  it('renders HTML and script payloads as text, for the sender and the receiver', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    // The display name is hostile too.
    await signUp(a.page, app.server.url, ann, '<img src=y onerror=alert(7)>');
    await signUp(b.page, app.server.url, bob, 'Bob');
    await startDm(a.page, bob);
    for (const p of PAYLOADS) await send(a.page, p);
    await b.page.locator('a.conv-item').first().click();

    const expected = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(2)</script>',
      '"><svg onload=alert(3)>',
      '[click](javascript:alert(4)) javascript:alert(5)',
      '<b>bold?</b> <i>code</i>',
      '<iframe src="javascript:alert(6)"></iframe>',
    ];
    for (const { page, dialogs } of [a, b]) {
      await eventually(() => messageTexts(page)).toEqual(expected);
      const list = messageList(page);
      expect(await list.locator('img, script, svg, iframe, b, i').count()).toBe(0);
      expect(await page.locator('img').count()).toBe(0);
      expect(await list.locator('a').count()).toBe(0); // no javascript: link was made
      expect(await list.locator('.msg-text strong').count()).toBe(1); // markdown still works
      expect(await page.getByText('<img src=x onerror=alert(1)>').isVisible()).toBe(true);
      await page.waitForTimeout(300);
      expect(dialogs).toEqual([]);
    }
    // Bob sees Ann's hostile display name as text.
    await b.page.getByText('<img src=y onerror=alert(7)>').first().waitFor();
    expect(
      await b.page.evaluate(() => (window as unknown as { xss?: unknown }).xss),
    ).toBeUndefined();

    await a.context.close();
    await b.context.close();
  });
});
