/**
 * The host is started before the first signature: by the page's first detect(), and as soon as a
 * page loads on a site the user allowed — while a page on any other site starts nothing.
 */
import { describe, expect, it } from 'vitest';
import { consentWindowOpen, extensionServiceWorker } from '../support/browser.js';
import { hostPidsFor, waitForHostPid } from '../support/host-pids.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';

describe('pre-connecting to the host in Chromium', () => {
  const session = useSharedSession(() => startPortalSession());

  /** Ends the host the browser started (by its pid) and waits until it is gone. */
  async function endHost(): Promise<void> {
    for (const pid of hostPidsFor(session.token.conf)) process.kill(pid);
    const deadline = Date.now() + 10_000;
    while (hostPidsFor(session.token.conf).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hostPidsFor(session.token.conf)).toEqual([]);
  }

  it('a page that does not use kyso starts nothing; its first detect() starts the host, with no window', async () => {
    const page = await session.browser.newPage();
    // Any page of the site: the demo server's plain "not found" text, with no SDK on it.
    await page.goto(`${session.demo.url}no-kyso-here`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(hostPidsFor(session.token.conf)).toEqual([]);

    await sdkCall(page, 'detect');
    const detected = await sdkOutcome(page);
    expect(detected).toMatchObject({ ok: true, ready: true });
    // detect() answered after the host's hello: the host is running now, before any signature.
    expect(hostPidsFor(session.token.conf)).toHaveLength(1);
    expect(await consentWindowOpen(session.browser, 500)).toBe(false);
    await page.close();
  });

  it('a page loading on a site the user allowed starts the host by itself', async () => {
    await endHost();
    const allowed = new URL(session.demo.url).origin.replace('localhost', '127.0.0.1');
    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate(
      (origin) =>
        (globalThis as unknown as { chrome: any }).chrome.storage.local.set({
          sitePermissions: { [origin]: 'allowed' },
        }),
      allowed,
    );
    const page = await session.browser.newPage();
    await page.goto(`${allowed}/no-kyso-here`);
    // No SDK and no request on this page: the extension's content script alone asked for the host.
    expect(await waitForHostPid(session.token.conf, 20_000)).toHaveLength(1);
    expect(await consentWindowOpen(session.browser, 500)).toBe(false);
    await page.close();
  });
});
