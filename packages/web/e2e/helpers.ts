/**
 * Browser-test helpers: a real Parley server serving the built web app, and Debian's Chromium
 * driven by playwright-core.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test/harness.js';

export const WEB_DIST = fileURLToPath(new URL('../dist', import.meta.url));
export const RESULTS = fileURLToPath(new URL('../../../test-results', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Starts a server for the built app; fails loudly when the app is not built. */
export async function startAppServer(
  over: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(
      `The web app is not built (${WEB_DIST}/index.html is missing): run \`npm run build\` first.`,
    );
  }
  return startTestServer({ webDir: WEB_DIST, ...over });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The app server and Chromium of one test file (set before its tests run). */
export interface AppAndBrowser {
  server: TestServer;
  browser: Browser;
}

/**
 * Starts the app server (default limits) and Chromium before the file's tests and stops both
 * after them.
 */
export function setUpAppAndBrowser(): AppAndBrowser {
  const app = {} as AppAndBrowser;
  beforeAll(async () => {
    app.server = await startAppServer();
    app.browser = await launchBrowser();
  });
  afterAll(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/** A fresh browser context (its own storage) in a language, with one page. */
export async function newPage(
  browser: Browser,
  opts: { locale?: string; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  return { context, page, dialogs };
}

let n = 0;
/** A unique username for this run. */
export function uniqueName(base: string): string {
  n++;
  return `${base}${Date.now().toString(36).slice(-5)}${n}`;
}

export const PASSWORD = 'correct horse battery';

/** Creates an account through the sign-up form and waits for the messenger. */
export async function signUp(page: Page, url: string, username: string, display?: string) {
  await page.goto(url);
  await page.locator('input[name=username]').fill(username);
  if (display) await page.locator('input[name=display_name]').fill(display);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('nav.sidebar').waitFor();
}

/** Opens the "new message" dialog, finds the user and opens the DM with them. */
export async function startDm(page: Page, username: string) {
  await page.getByRole('button', { name: /New message|새 메시지/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox').fill(username);
  await dialog.getByRole('button', { name: new RegExp(`@${username}`) }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('section.conversation').waitFor();
}

export function composer(page: Page) {
  return page.locator('section.conversation textarea');
}

export function messageList(page: Page) {
  return page.locator('section.conversation ul.message-list');
}

/** Texts of the message bodies in the visible list, in order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return messageList(page).locator('.msg-text .md-p, .msg-text .md-pre').allInnerTexts();
}

export async function send(page: Page, text: string) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

export function screenshotPath(name: string): string {
  mkdirSync(RESULTS, { recursive: true });
  return path.join(RESULTS, name);
}

/** Polls until `fn` answers the expected value (or the timeout). */
export function eventually<T>(fn: () => Promise<T> | T, timeout = 10_000) {
  return expect.poll(fn, { timeout, interval: 100 });
}
