/**
 * A conversation of 10,000 messages: the list is virtualized (only what is on screen is in the
 * DOM), older history loads as the user scrolls up without moving what they are reading, and
 * scrolling stays smooth with everything loaded.
 */
import type { Session } from '@parley/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/src/test/harness.js';
import { launchBrowser, newPage, PASSWORD, startAppServer, uniqueName } from './helpers.js';

const TOTAL = 10_000;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // Seeding 10,000 messages from one address needs the write limits off.
  server = await startAppServer({ limitMsgsPerAccount: 0, limitHttpWritePerMin: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api<T>(path: string, body: unknown, token?: string): Promise<T> {
  const r = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

async function seed(): Promise<{ ann: string }> {
  const ann = uniqueName('ann');
  const a = await api<Session>('/v1/auth/register', {
    username: ann,
    password: PASSWORD,
    display_name: 'Ann',
  });
  const b = await api<Session>('/v1/auth/register', {
    username: uniqueName('bob'),
    password: PASSWORD,
    display_name: 'Bob',
  });
  const conv = await api<{ id: string }>(
    '/v1/conversations',
    { kind: 'direct', user: b.user.id },
    a.access_token,
  );
  let next = 1;
  const worker = async () => {
    while (next <= TOTAL) {
      const i = next++;
      // Runs of three per sender, so grouping has something to do.
      const s = Math.floor((i - 1) / 3) % 2 === 0 ? a : b;
      await api(
        `/v1/conversations/${conv.id}/messages`,
        { cid: `seed-${i}`, text: `message ${i}` },
        s.access_token,
      );
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return { ann };
}

/** Seqs of the messages rendered in the DOM, once the current frames are painted. */
function rendered(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
    return [...document.querySelectorAll('ul.message-list article.msg')].map((e) =>
      Number(e.getAttribute('data-seq')),
    );
  });
}

describe('10,000 messages', () => {
  it('virtualizes, loads older history on scroll up, and scrolls smoothly', async () => {
    const t0 = Date.now();
    const { ann } = await seed();
    console.log(`seeded ${TOTAL} messages in ${Date.now() - t0} ms`);

    const { page, context } = await newPage(browser, { width: 1280, height: 800 });
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('input[name=username]').fill(ann);
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.locator('a.conv-item', { hasText: 'Bob' }).click();
    await page.locator('article.msg').first().waitFor();
    // Starts at the newest message, with only a screenful in the DOM.
    const last = Math.max(...(await rendered(page)));
    expect(last).toBeGreaterThanOrEqual(TOTAL);
    expect(await page.locator('article.msg').count()).toBeLessThan(80);

    // Going to the top loads the previous page above, and the message that was at the top of
    // the screen stays where it was.
    const scroller = page.locator('.message-scroller');
    const anchor = async () =>
      scroller.evaluate(async (el) => {
        for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
        const box = el.getBoundingClientRect();
        for (const p of el.querySelectorAll('.msg-text .md-p')) {
          const r = p.getBoundingClientRect();
          if (r.top >= box.top) return { text: p.textContent, top: Math.round(r.top) };
        }
        return null;
      });
    for (let i = 0; i < 3; i++) {
      const oldest = Math.min(...(await rendered(page)));
      await scroller.evaluate((el) => {
        el.scrollTop = 0;
      });
      const before = await anchor();
      await page.waitForFunction(
        (n) =>
          [...document.querySelectorAll('ul.message-list article.msg')].some(
            (e) => Number(e.getAttribute('data-seq')) < n,
          ),
        oldest,
        { timeout: 10_000 },
      );
      await page.waitForTimeout(300);
      const pos = await page.evaluate(async (t) => {
        for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
        const el = [...document.querySelectorAll('ul.message-list .msg-text .md-p')].find(
          (e) => e.textContent === t,
        );
        return el ? Math.round(el.getBoundingClientRect().top) : null;
      }, before?.text ?? '');
      // Within two lines: the message may join the group of an older one and lose its name line.
      expect(pos, `message "${before?.text}" stays in place after loading older`).not.toBeNull();
      expect(Math.abs((pos ?? 0) - (before?.top ?? 0))).toBeLessThanOrEqual(48);
    }

    // Scroll up a little at a time until the beginning: pages load, what is on screen stays.
    let jumps = 0;
    let loops = 0;
    for (;;) {
      const before = await rendered(page);
      const top = Math.min(...before);
      const atStart = await scroller.evaluate(
        (el) =>
          el.scrollTop === 0 &&
          (el.querySelector('.list-head')?.textContent ?? '').includes('beginning'),
      );
      if (atStart || loops++ > 2000) break;
      await scroller.evaluate((el) => {
        el.scrollTop = Math.max(0, el.scrollTop - 1500);
      });
      await page.waitForTimeout(30);
      const after = await rendered(page);
      // Scrolling up shows older or the same messages, never newer ones.
      if (Math.min(...after) > top) {
        jumps++;
        console.log('jumped from', top, 'to', Math.min(...after));
      }
    }
    expect(Math.min(...(await rendered(page)))).toBeLessThanOrEqual(last - TOTAL + 1);
    expect(jumps).toBe(0);
    await page
      .locator('.list-head', { hasText: 'This is the beginning of the conversation.' })
      .waitFor();
    expect(await page.locator('article.msg').count()).toBeLessThan(80);
    console.log(`scrolled to the first of ${TOTAL} messages in ${loops} steps`);

    // With all 10,000 loaded: scroll down through them, measuring frame times.
    const frames = await scroller.evaluate(async (el) => {
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        el.scrollTop += 900;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times.sort((a, b) => a - b);
    });
    const p90 = frames[Math.floor(frames.length * 0.9)]!;
    console.log(
      `frame times with ${TOTAL} messages: median ${frames[60]?.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms`,
    );
    expect(p90).toBeLessThan(100); // generous: a shared 2-core machine, software rendering
    expect(await page.locator('article.msg').count()).toBeLessThan(80);
    await context.close();
  }, 180_000);
});
