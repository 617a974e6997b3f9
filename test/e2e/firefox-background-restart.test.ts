/**
 * Firefox ESR: the page's port to the background (PAGE_PORT) when the extension is reloaded (as an
 * update does) with a request waiting for consent: the page is answered, and the same page, not
 * reloaded, then signs through the new background.
 */
import { describe, expect, it } from 'vitest';
import { signInFirefoxConsent, startFirefoxSession } from '../support/firefox.js';
import {
  acksAndAnswers,
  bridgeMessages,
  readyCount,
  recordBridgeMessages,
} from '../support/bridge-messages.js';
import { usePortalTab } from '../support/portal-tab.js';
import { askToSignText, expectCmsVerified, sdkOutcome, sdkResult } from '../support/sdk-call.js';

describe('Firefox ESR: signing across a background restart', () => {
  const portal = usePortalTab(startFirefoxSession);

  const askToSign = (text: string) => askToSignText(portal.page, text);

  async function signFromPage(text: string): Promise<void> {
    const consent = await portal.session.consentWindowAfter(() => askToSign(text));
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]');
    }
    await signInFirefoxConsent(consent, '01', portal.session.token.pin);
    expectCmsVerified(await sdkOutcome(portal.page), text, portal.session.token.caPem);
  }

  it('a request waiting when the extension reloads is answered; the same page then signs again', async () => {
    await recordBridgeMessages(portal.page);
    await signFromPage('Trước khi tải lại tiện ích\n');
    const consent = await portal.session.consentWindowAfter(() => askToSign('Đang chờ khi tải lại\n'));
    await consent.evaluate(() => setTimeout(() => (globalThis as any).browser.runtime.reload(), 0));
    // Firefox ends the old content script silently and injects a new one: the SDK hears the new
    // one's 'ready' and knows the request it had acknowledged will not be answered.
    expect(await sdkOutcome(portal.page, 30_000)).toMatchObject({
      ok: false,
      code: 'EXTENSION_RESTARTED',
    });
    expect(await portal.session.consentWindowOpen(10_000)).toBe(false);
    // Exactly one new bridge (Firefox's own injection; kyso's background injects only in Chromium),
    // and the old one is silent: each request since is acknowledged and answered once.
    await expect.poll(() => readyCount(portal.page), { timeout: 20_000 }).toBe(1);
    const heard = (await bridgeMessages(portal.page)).length;
    expect(await sdkResult(portal.page, 'detect')).toMatchObject({ ok: true, ready: true });
    await signFromPage('Sau khi tải lại tiện ích\n');
    const counts = Object.values(await acksAndAnswers(portal.page, heard));
    expect(counts).toEqual([
      { acks: 1, answers: 1 },
      { acks: 1, answers: 1 },
    ]);
    expect(await readyCount(portal.page)).toBe(1);
  });
});
