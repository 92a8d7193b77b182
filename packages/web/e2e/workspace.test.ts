/**
 * Team features: create a workspace, invite by link, channels (create, browse, join),
 * mentions with autocomplete, threads, reactions, delete, groups, switching workspaces.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  composer,
  eventually,
  messageTexts,
  newPage,
  send,
  setUpAppAndBrowser,
  signUp,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

async function createWorkspace(page: Page, name: string) {
  await page.getByLabel('Switch workspace').selectOption('__create__');
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await dialog.getByLabel('Workspace name').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  await eventually(() =>
    page
      .getByLabel('Switch workspace')
      .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text),
  ).toBe(name);
}

function toolbarButton(page: Page, text: string, name: string) {
  const msg = page.locator('article.msg', { hasText: text }).first();
  return msg.hover().then(() => msg.getByRole('button', { name, exact: true }));
}

describe('workspaces, channels, threads', () => {
  it('invite link, channels, mentions, threads, reactions, delete, groups, switching', async () => {
    const ann = uniqueName('ann');
    const bob = uniqueName('bob');
    const a = await newPage(app.browser);
    const b = await newPage(app.browser);
    await signUp(a.page, app.server.url, ann, 'Ann');
    await signUp(b.page, app.server.url, bob, 'Bob');

    // Ann creates a workspace and an invite link; Bob opens the link and is in.
    await createWorkspace(a.page, 'Acme');
    await a.page.getByRole('button', { name: 'Invite people' }).click();
    const link = a.page.getByRole('dialog').getByRole('textbox', { name: 'Invite people' });
    await eventually(() => link.inputValue()).toMatch(/\/invite\/.+/);
    const url = await link.inputValue();
    await a.page.keyboard.press('Escape');
    await a.page.getByRole('dialog').waitFor({ state: 'detached' });
    await b.page.goto(url);
    await eventually(() =>
      b.page
        .getByLabel('Switch workspace')
        .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text),
    ).toBe('Acme');
    expect(new URL(b.page.url()).pathname).toBe('/');

    // Ann makes #general; Bob finds it by browsing and joins.
    await a.page.getByRole('button', { name: 'New channel' }).click();
    await a.page.getByRole('dialog').getByLabel('Channel name').fill('general');
    await a.page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await a.page.locator('.conv-head h2', { hasText: '# general' }).waitFor();
    await b.page.getByRole('button', { name: 'Browse channels' }).click();
    await b.page
      .getByRole('dialog')
      .locator('.channel-row', { hasText: 'general' })
      .getByRole('button', { name: 'Join' })
      .click();
    await b.page.locator('.conv-head h2', { hasText: '# general' }).waitFor();

    // Bob mentions Ann through the autocomplete.
    await composer(b.page).pressSequentially(`hi @${ann.slice(0, 3)}`);
    const option = b.page.getByRole('option', { name: new RegExp(`@${ann}`) });
    await option.waitFor();
    await composer(b.page).press('Enter'); // picks the mention, does not send
    expect(await composer(b.page).inputValue()).toBe(`hi @${ann} `);
    await composer(b.page).pressSequentially('welcome');
    await composer(b.page).press('Enter');
    await eventually(() => messageTexts(a.page)).toEqual([`hi @${ann} welcome`]);
    await a.page.locator('article.msg.mentioned .mention.me').waitFor();

    // Ann answers in a thread; both see "1 reply".
    await (await toolbarButton(a.page, 'welcome', 'Reply in thread')).click();
    const thread = a.page.getByRole('complementary', { name: 'Thread' });
    await thread.waitFor();
    await thread.getByRole('textbox').fill('thanks, in the thread');
    await thread.getByRole('textbox').press('Enter');
    await thread.locator('article.msg', { hasText: 'thanks, in the thread' }).waitFor();
    await a.page.getByRole('button', { name: '1 reply' }).waitFor();
    await b.page.getByRole('button', { name: '1 reply' }).waitFor();
    expect(await messageTexts(b.page)).toEqual([`hi @${ann} welcome`]); // not in the main list
    await thread.getByRole('textbox').press('Escape');
    await thread.waitFor({ state: 'detached' });

    // Ann reacts; Bob sees it and adds his own.
    await (await toolbarButton(a.page, 'welcome', 'Add reaction')).click();
    await a.page.getByRole('menuitem', { name: '🎉' }).click();
    const chip = b.page.locator('button.reaction', { hasText: '1' });
    await chip.waitFor();
    await chip.click();
    await a.page.locator('button.reaction', { hasText: '2' }).waitFor();

    // Bob deletes a message of his; Ann sees the tombstone.
    await send(b.page, 'oops wrong channel');
    await a.page.locator('article.msg', { hasText: 'oops wrong channel' }).waitFor();
    await (await toolbarButton(b.page, 'oops', 'Delete')).click();
    await b.page
      .getByRole('dialog', { name: 'Delete message?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await a.page.locator('.deleted', { hasText: 'This message was deleted.' }).waitFor();

    // Ann creates a group with Bob.
    await a.page.getByRole('button', { name: 'New group' }).click();
    const dlg = a.page.getByRole('dialog');
    await dlg.getByLabel('Group name').fill('Lunch crew');
    await dlg.getByRole('searchbox').fill(bob);
    await dlg.getByRole('button', { name: new RegExp(`@${bob}`) }).click();
    await dlg.getByText('1 person selected').waitFor();
    await dlg.getByRole('button', { name: 'Create' }).click();
    await a.page.locator('.conv-head h2', { hasText: 'Lunch crew' }).waitFor();
    await send(a.page, 'pizza?');
    await b.page.locator('a.conv-item', { hasText: 'Lunch crew' }).waitFor();

    // A second workspace: its channel list is separate; switching back shows #general again.
    await createWorkspace(a.page, 'Beta');
    await a.page.locator('a.conv-item', { hasText: 'general' }).waitFor({ state: 'detached' });
    await a.page.locator('a.conv-item', { hasText: 'Lunch crew' }).waitFor(); // groups stay
    await a.page.getByLabel('Switch workspace').selectOption({ label: 'Acme' });
    await a.page.locator('a.conv-item', { hasText: 'general' }).waitFor();

    await a.context.close();
    await b.context.close();
  });
});
