/**
 * The conversation view in English and Korean at desktop (1280 px) and phone (360 px) width,
 * saved to test-results/ for a person to look at; in Korean, no English UI string is visible.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { ko } from '../src/i18n/ko.js';
import {
  eventually,
  newPage,
  screenshotPath,
  send,
  setUpAppAndBrowser,
  signUp,
  startDm,
  uniqueName,
} from './helpers.js';

const app = setUpAppAndBrowser();

const SCRIPT = {
  en: {
    me: 'Mina Park',
    peer: 'Alex Chen',
    peerLines: [
      'Hi! Did you see the **release notes**?',
      '> the web app ships today\nGreat, *ship it*',
    ],
    myLines: ['Yes — `npm run build` works now 🎉', '```\nnpm start\n```'],
    reply: 'Thanks, see https://example.com/notes',
  },
  ko: {
    me: '박민아',
    peer: '첸 알렉스',
    peerLines: [
      '안녕하세요! **릴리스 노트** 보셨어요?',
      '> 웹 앱이 오늘 나가요\n좋아요, *배포하죠*',
    ],
    myLines: ['네 — `npm run build` 이제 잘 돼요 🎉', '```\nnpm start\n```'],
    reply: '고마워요, https://example.com/notes 참고하세요',
  },
} as const;

function strings(o: object): string[] {
  return Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : strings(v as object)));
}

/** English UI strings (without placeholders) that differ from their Korean translation. */
const ENGLISH_ONLY = (() => {
  const k = new Set(strings(ko));
  return strings(en).filter((s) => !s.includes('{{') && !k.has(s) && s.length > 3);
})();

async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const attrs = [...document.querySelectorAll('[aria-label],[placeholder],[title]')].flatMap(
      (e) => ['aria-label', 'placeholder', 'title'].map((a) => e.getAttribute(a) ?? ''),
    );
    // innerText on purpose: only what is rendered visibly, not hidden text.
    // biome-ignore lint/performance/useDomNodeTextContent: visible text is the point
    return `${document.body.innerText}\n${attrs.join('\n')}`;
  });
}

async function hoverAction(page: Page, text: string, action: RegExp) {
  const msg = page.locator('article.msg', { hasText: text }).first();
  await msg.hover();
  await msg.getByRole('button', { name: action }).click();
}

for (const lang of ['en', 'ko'] as const) {
  describe(`screenshots (${lang})`, () => {
    it(`conversation view at 1280 px and 360 px`, async () => {
      const s = SCRIPT[lang];
      const locale = lang === 'ko' ? 'ko-KR' : 'en-US';
      const me = await newPage(app.browser, { locale });
      const peer = await newPage(app.browser, { locale });
      const peerName = uniqueName('alex');
      await signUp(peer.page, app.server.url, peerName, s.peer);
      await signUp(me.page, app.server.url, uniqueName('mina'), s.me);
      await startDm(me.page, peerName);
      await send(me.page, s.myLines[0]);
      await peer.page.locator('a.conv-item').first().click();
      await send(peer.page, s.peerLines[0]);
      await send(peer.page, s.peerLines[1]);
      await send(me.page, s.myLines[1]);
      await eventually(() => me.page.locator('article.msg[data-state=sent]').count()).toBe(4);

      // A reply and a reaction, through the message toolbar.
      await hoverAction(me.page, s.peerLines[0].slice(0, 5), lang === 'ko' ? /^답장$/ : /^Reply$/);
      await send(me.page, s.reply);
      await hoverAction(
        me.page,
        s.peerLines[0].slice(0, 5),
        lang === 'ko' ? /반응 추가/ : /Add reaction/,
      );
      await me.page.getByRole('menuitem', { name: '👍' }).click();
      await me.page.locator('.reaction', { hasText: '1' }).waitFor();
      await peer.page.locator('.composer textarea').pressSequentially('…', { delay: 10 });
      await me.page.locator('div.typing-line', { hasText: '…' }).waitFor();
      await me.page.locator('.seen-by').waitFor();
      await me.page.mouse.move(0, 0);

      await me.page.screenshot({ path: screenshotPath(`conversation-${lang}-1280.png`) });
      await me.page.emulateMedia({ colorScheme: 'dark' });
      await me.page.screenshot({ path: screenshotPath(`conversation-${lang}-1280-dark.png`) });
      await me.page.emulateMedia({ colorScheme: 'light' });
      await me.page.setViewportSize({ width: 360, height: 740 });
      await me.page.waitForTimeout(300);
      await me.page.screenshot({ path: screenshotPath(`conversation-${lang}-360.png`) });
      // At phone width the conversation fills the screen; nothing overflows sideways.
      expect(await me.page.locator('nav.sidebar').isVisible()).toBe(false);
      const overflow = await me.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      if (lang === 'ko') {
        const text = await visibleText(me.page);
        expect(ENGLISH_ONLY.filter((s) => text.includes(s))).toEqual([]);
      }
      await me.page
        .getByRole('button', { name: lang === 'ko' ? '대화 목록으로' : 'Back to conversations' })
        .click();
      await me.page.locator('nav.sidebar').waitFor();
      await me.page.screenshot({ path: screenshotPath(`list-${lang}-360.png`) });
      if (lang === 'ko') {
        const text = await visibleText(me.page);
        expect(ENGLISH_ONLY.filter((s) => text.includes(s))).toEqual([]);
      }

      await me.context.close();
      await peer.context.close();
    });
  });
}
