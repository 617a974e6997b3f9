/** The consent window as people use it: two tabs at once, keyboard only, English on request. */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  extensionServiceWorker,
} from '../support/browser.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { chooseCertificate, signInConsent } from '../support/consent.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('consent window use', () => {
  const session = useSharedSession(startPortalSession);

  const portal = () => session.openPortal();
  const ask = (page: Page, description: string, lang?: 'en') =>
    sdkCall(page, 'signCms', {
      digest: Buffer.alloc(32, 9).toString('base64'),
      digestAlgorithm: 'SHA-256',
      description,
      ...(lang && { lang }),
    });
  /** 'signed', or the error code. */
  const outcome = async (page: Page) => {
    const result = await sdkOutcome(page);
    return result.ok ? (result.cms ? 'signed' : 'no cms') : result.code;
  };

  it('requests from two tabs queue: one window at a time, each signed with its own description', async () => {
    const [first, second] = [await portal(), await portal()];
    const window1 = await consentWindowAfter(session.browser, () => ask(first, 'Hồ sơ thứ nhất'));
    await ask(second, 'Hồ sơ thứ hai');
    await new Promise((r) => setTimeout(r, 500));
    expect(session.browser.targets().filter((t) => t.url().includes('/src/consent/')).length).toBe(1);
    expect(await window1.$eval('#description', (el) => el.textContent)).toBe('Hồ sơ thứ nhất');
    const window2 = await consentWindowAfter(session.browser, () => clickClosingWindow(window1, '#cancel'));
    expect(await outcome(first)).toBe('USER_CANCELLED');
    expect(await window2.$eval('#description', (el) => el.textContent)).toBe('Hồ sơ thứ hai');
    await signInConsent(window2, '02', session.token.pin);
    await clickClosingWindow(window2, '#sign');
    expect(await outcome(second)).toBe('signed');
    await first.close();
    await second.close();
  });

  it('a page that stops waiting (the SDK’s timeout) while its request is queued: that request’s window never opens', async () => {
    const [first, second] = [await portal(), await portal()];
    const window1 = await consentWindowAfter(session.browser, () => ask(first, 'Hồ sơ đang mở'));
    await sdkCall(
      second,
      'signCms',
      {
        digest: Buffer.alloc(32, 7).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Trang đã thôi chờ',
      },
      { timeoutMs: 2_000 },
    );
    expect(await outcome(second)).toBe('TIMEOUT');
    await clickClosingWindow(window1, '#cancel');
    expect(await outcome(first)).toBe('USER_CANCELLED');
    // Nothing is left in the queue: no window opens for the request its page gave up on.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    await first.close();
    await second.close();
  });

  it('the window cancels itself after the time the user set, and nothing is signed', async () => {
    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate(() => (globalThis as any).chrome.storage.local.set({ consentTimeoutSeconds: 5 }));
    try {
      const page = await portal();
      const consent = await consentWindowAfter(session.browser, () => ask(page, 'Không ai trả lời'));
      await chooseCertificate(consent, '02');
      expect(await outcome(page)).toBe('TIMEOUT');
      expect(await consentWindowOpen(session.browser)).toBe(false);
      await page.close();
    } finally {
      await worker.evaluate(() => (globalThis as any).chrome.storage.local.remove('consentTimeoutSeconds'));
    }
  });

  it('a tab that closes cancels its request and its window', async () => {
    const page = await portal();
    await consentWindowAfter(session.browser, () => ask(page, 'Tab sẽ đóng'));
    await page.close();
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('works with the keyboard alone, and every control has a label', async () => {
    const page = await portal();
    const consent = await consentWindowAfter(session.browser, () => ask(page, 'Bằng bàn phím'));
    const unlabelled = await consent.evaluate(() =>
      [...document.querySelectorAll('input, button')]
        .filter((el) => !(el as HTMLElement).hidden && (el as HTMLElement).offsetParent !== null)
        .filter(
          (el) =>
            !(
              el.getAttribute('aria-label') ||
              (el as HTMLInputElement).labels?.length ||
              el.textContent?.trim()
            ),
        )
        .map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    // Focus the first usable certificate with Tab, move with arrows like any radio group, then PIN and Enter.
    await consent.focus('input[name="certificate"]:not([disabled])');
    let chosen = '';
    for (let i = 0; i < 6 && !chosen.endsWith('/02'); i++) {
      await consent.keyboard.press('ArrowDown');
      chosen = await consent.$eval('input[name="certificate"]:checked', (el) => el.value).catch(() => '');
    }
    expect(chosen.endsWith('/02')).toBe(true);
    // The certificates that cannot sign are folded behind one disclosure, then comes the PIN.
    await consent.keyboard.press('Tab');
    expect(await consent.evaluate(() => document.activeElement?.id)).toBe('unusable-summary');
    await consent.keyboard.press('Tab');
    expect(await consent.evaluate(() => document.activeElement?.id)).toBe('pin');
    await consent.keyboard.type(session.token.pin);
    await consent.keyboard.press('Enter').catch(() => undefined); // submits the form; the window then closes
    expect(await outcome(page)).toBe('signed');
    await page.close();
  });

  it('Escape cancels', async () => {
    const page = await portal();
    const consent = await consentWindowAfter(session.browser, () => ask(page, 'Huỷ bằng Esc'));
    await consent.keyboard.press('Escape').catch(() => undefined);
    expect(await outcome(page)).toBe('USER_CANCELLED');
    await page.close();
  });

  it('speaks English when the portal asks for it', async () => {
    const page = await portal();
    const consent = await consentWindowAfter(session.browser, () => ask(page, 'Application no. 42', 'en'));
    expect(await consent.$eval('#title', (el) => el.textContent)).toBe('Signature request');
    expect(await consent.$eval('#sign', (el) => el.textContent)).toBe('Sign');
    expect(await consent.$eval('html', (el) => el.lang)).toBe('en');
    await consent.type('#pin', '000000');
    await chooseCertificate(consent, '02');
    await consent.click('#sign');
    await consent.waitForSelector('#error[data-code="PIN_INCORRECT"]', { visible: true });
    expect(await consent.$eval('#error', (el) => el.textContent)).toContain('The PIN is incorrect.');
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(page)).toBe('USER_CANCELLED');
    await page.close();
  });

  it('without a language from the portal, follows the browser’s (UI language, then accept-languages)', async () => {
    const page = await portal();
    const consent = await consentWindowAfter(session.browser, () => ask(page, 'Không chỉ định ngôn ngữ'));
    const ui = await consent.evaluate(() => (globalThis as any).chrome.i18n.getUILanguage() as string);
    const accept = await consent.evaluate(
      () => (globalThis as any).chrome.i18n.getAcceptLanguages() as Promise<string[]>,
    );
    const vietnamese = ui.startsWith('vi') || accept.some((l) => l.startsWith('vi'));
    const expected = vietnamese ? ['Yêu cầu ký số', 'vi'] : ['Signature request', 'en'];
    expect([
      await consent.$eval('#title', (el) => el.textContent),
      await consent.$eval('html', (el) => el.lang),
    ]).toEqual(expected);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(page)).toBe('USER_CANCELLED');
    await page.close();
  });
});
