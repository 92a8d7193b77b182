/**
 * Sessions: a reload keeps me signed in (refresh token) with my draft; a session that ends
 * (revoked on the server) sends me to sign-in without losing the text I was writing; signing
 * out forgets it.
 */
import { describe, expect, it } from 'vitest';
import {
  composer,
  eventually,
  messageTexts,
  newPage,
  PASSWORD,
  send,
  setUpAppAndBrowser,
  signUp,
  startDm,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

describe('session', () => {
  it('survives a reload, and an ended session keeps the draft', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const b = await newPage(app.browser);
    await signUp(b.page, app.server.url, bob, 'Bob');
    await b.context.close();
    const { page, context } = await newPage(app.browser);
    await signUp(page, app.server.url, ann, 'Ann');
    await startDm(page, bob);
    await send(page, 'sent before');
    await composer(page).fill('half-written 초안');

    // Reload: still signed in, same conversation, same draft.
    await page.reload();
    await eventually(() => messageTexts(page)).toEqual(['sent before']);
    expect(await composer(page).inputValue()).toBe('half-written 초안');
    await composer(page).pressSequentially(' more');

    // The server ends the session (as an admin would, or a sign-out elsewhere).
    const token = await page.evaluate(
      () => JSON.parse(localStorage.getItem('parley.session') ?? '{}').access_token as string,
    );
    const r = await fetch(`${app.server.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(204);
    await page.locator('.auth .notice').waitFor({ timeout: 15_000 });
    expect(await page.locator('input[name=username]').inputValue()).toBe(ann);

    // Sign in again: the draft is still there.
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.locator('a.conv-item', { hasText: 'Bob' }).click();
    await eventually(() => composer(page).inputValue()).toBe('half-written 초안 more');
    await eventually(() => messageTexts(page)).toEqual(['sent before']);

    // The language can be switched in Settings; the choice outlives a reload.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog').getByLabel('Language').selectOption('ko');
    await page.getByRole('dialog', { name: '설정' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
    await page.keyboard.press('Escape');
    await page.reload();
    await page.getByRole('button', { name: '설정' }).click();
    await page.getByRole('dialog').getByLabel('언어').selectOption('en');
    await page.keyboard.press('Escape');

    // Signing out on purpose forgets drafts and shows the plain sign-in screen.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
    await page.locator('.auth').waitFor();
    expect(await page.locator('.auth .notice').count()).toBe(0);
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('draft'))),
    ).toEqual([]);
    await context.close();
  });
});
