/**
 * Conversation details: add and remove members (the owner), mute (kept by the server), leave.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  newPage,
  screenshotPath,
  send,
  setUpAppAndBrowser,
  signUp,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

const item = (page: Page, title: string) => page.locator('a.conv-item', { hasText: title });

async function openDetails(page: Page, title: string) {
  await page.getByRole('button', { name: 'Conversation details' }).click();
  const dlg = page.getByRole('dialog', { name: `About ${title}` });
  await dlg.waitFor();
  return dlg;
}

async function memberNames(page: Page): Promise<string[]> {
  return page.getByRole('list', { name: 'Members' }).locator('.pick-name').allInnerTexts();
}

describe('conversation details', () => {
  it('adds and removes members, mutes, and leaves', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const cat = uniqueName('cat');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    const c = await newPage(app.browser);
    await signUp(a.page, app.server.url, ann, 'Ann');
    await signUp(b.page, app.server.url, bob, 'Bob');
    await signUp(c.page, app.server.url, cat, 'Cat');

    // Ann makes a group with Bob.
    await a.page.getByRole('button', { name: 'New group' }).click();
    const create = a.page.getByRole('dialog');
    await create.getByLabel('Group name').fill('Book club');
    await create.getByRole('searchbox').fill(bob);
    await create.getByRole('button', { name: new RegExp(`@${bob}`) }).click();
    await create.getByRole('button', { name: 'Create' }).click();
    await a.page.locator('.conv-head h2', { hasText: 'Book club' }).waitFor();
    await send(a.page, 'first chapter tonight');

    // Ann, the owner, adds Cat; Cat gets the group.
    let dlg = await openDetails(a.page, 'Book club');
    await eventually(() => memberNames(a.page)).toEqual(['Ann (you)', 'Bob']);
    await expect(dlg.getByText('Owner').count()).resolves.toBe(1);
    await dlg.getByRole('button', { name: 'Add people' }).click();
    await dlg.getByRole('searchbox').fill(cat);
    await dlg.getByRole('button', { name: new RegExp(`@${cat}`) }).click();
    await eventually(() => memberNames(a.page)).toEqual(['Ann (you)', 'Bob', 'Cat']);
    await item(c.page, 'Book club').waitFor();
    await a.page.screenshot({ path: screenshotPath('details-en-1280.png') });

    // Ann removes Cat after confirming; Cat loses the group.
    await dlg.getByRole('button', { name: 'Remove Cat' }).click();
    const sure = a.page.getByRole('dialog', { name: 'Remove Cat?' });
    await sure.getByRole('button', { name: 'Remove' }).click();
    await eventually(() => memberNames(a.page)).toEqual(['Ann (you)', 'Bob']);
    await item(c.page, 'Book club').waitFor({ state: 'detached' });
    await a.page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });

    // Bob is no admin: he sees no Remove button. He mutes the group; it stays muted on reload.
    await item(b.page, 'Book club').click();
    dlg = await openDetails(b.page, 'Book club');
    await eventually(() => memberNames(b.page)).toEqual(['Ann', 'Bob (you)']);
    expect(await dlg.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    await dlg.getByRole('checkbox', { name: 'Mute this conversation' }).check();
    await item(b.page, 'Book club').getByRole('img', { name: 'Muted' }).waitFor();
    await b.page.keyboard.press('Escape');
    await b.page.reload();
    await item(b.page, 'Book club').getByRole('img', { name: 'Muted' }).waitFor();
    // Ann's view is her own: not muted for her.
    expect(await item(a.page, 'Book club').getByRole('img', { name: 'Muted' }).count()).toBe(0);

    // Bob leaves: back to the list, the group is gone; Ann sees one member left.
    await item(b.page, 'Book club').click();
    dlg = await openDetails(b.page, 'Book club');
    await dlg.getByRole('button', { name: 'Leave' }).click();
    await b.page
      .getByRole('dialog', { name: 'Leave Book club?' })
      .getByRole('button', { name: 'Leave' })
      .click();
    await item(b.page, 'Book club').waitFor({ state: 'detached' });
    await eventually(() => new URL(b.page.url()).pathname).toBe('/');
    await a.page.locator('.conv-head p', { hasText: '1 member' }).waitFor();

    await a.context.close();
    await b.context.close();
    await c.context.close();
  });
});
