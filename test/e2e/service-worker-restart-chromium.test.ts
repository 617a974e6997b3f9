/**
 * The page's one port to the background (PAGE_PORT) across a service-worker stop, as Chrome stops
 * an idle worker or an update restarts it: the same page, not reloaded, signs again (a new port, a
 * new worker, a new host); a request waiting when the worker stops is answered with a typed error.
 */
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { consentWindowAfter, consentWindowOpen, stopExtensionServiceWorker } from '../support/browser.js';
import { hostPidsFor, waitForHostPid } from '../support/host-pids.js';
import { signTextFromPage, startPortalSession } from '../support/portal-session.js';
import { askToSignText, sdkOutcome } from '../support/sdk-call.js';
import { useSharedSession } from '../support/shared-session.js';

describe('the page port across a service-worker restart in Chromium', () => {
  const session = useSharedSession(startPortalSession);
  let page: Page;

  beforeAll(async () => {
    page = await session.openPortal();
  });

  const askToSign = (text: string) => askToSignText(page, text);
  const signFromPage = (text: string) => signTextFromPage(session, page, text);

  it('the same page signs again after the worker was stopped (a new port and a new host)', async () => {
    await signFromPage('Tờ khai trước khi dừng service worker\n');
    const [firstHost] = hostPidsFor(session.token.conf);
    expect(firstHost).toBeDefined();

    await stopExtensionServiceWorker(session.browser);
    // The worker's native port went with it: the host it started exits.
    await expect.poll(() => hostPidsFor(session.token.conf), { timeout: 20_000 }).toEqual([]);

    await signFromPage('Tờ khai sau khi dừng service worker\n');
    const [secondHost] = await waitForHostPid(session.token.conf, 20_000);
    expect(secondHost).toBeDefined();
    expect(secondHost).not.toBe(firstHost);
  });

  it('a request waiting for consent when the worker stops is answered EXTENSION_RESTARTED, not left hanging', async () => {
    const consent = await consentWindowAfter(session.browser, () => askToSign('Đang chờ đồng ý\n'));
    await stopExtensionServiceWorker(session.browser);
    expect(await sdkOutcome(page, 20_000)).toMatchObject({ ok: false, code: 'EXTENSION_RESTARTED' });
    // The window of a consent no one can finish any more closes by itself.
    expect(await consentWindowOpen(session.browser, 10_000)).toBe(false);
    expect(consent.isClosed()).toBe(true);

    // The page then signs as before, without a reload.
    await signFromPage('Tờ khai sau yêu cầu bị cắt\n');
  });
});
