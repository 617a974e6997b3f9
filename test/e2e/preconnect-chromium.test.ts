/**
 * The host is started before the first signature: by the page's first detect(), and as soon as a
 * page loads on a site the user allowed — while a page on any other site starts nothing.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import {
  consentWindowOpen,
  enableDeveloperMode,
  extensionServiceWorker,
  launchChromium,
  type ChromiumSession,
} from '../support/browser.js';
import { registerHostInProfile } from '../support/host-registration.js';
import { hostPidsFor, waitForHostPid } from '../support/host-pids.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { copyTestToken, type TestToken } from '../support/token.js';

describe('pre-connecting to the host in Chromium', () => {
  let token: TestToken;
  let demo: DemoServer;
  let chromium: ChromiumSession;
  let browser: Browser;

  beforeAll(async () => {
    token = copyTestToken();
    demo = await startDemoServer({ trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')) });
    chromium = await launchChromium((profile) => void registerHostInProfile(profile, token.env));
    browser = chromium.browser;
    await enableDeveloperMode(browser);
  });
  afterAll(async () => {
    await chromium?.close();
    await demo?.close();
    token?.remove();
  });

  /** Ends the host the browser started (by its pid) and waits until it is gone. */
  async function endHost(): Promise<void> {
    for (const pid of hostPidsFor(token.conf)) process.kill(pid);
    const deadline = Date.now() + 10_000;
    while (hostPidsFor(token.conf).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hostPidsFor(token.conf)).toEqual([]);
  }

  it('a page that does not use kyso starts nothing; its first detect() starts the host, with no window', async () => {
    const page = await browser.newPage();
    // Any page of the site: the demo server's plain "not found" text, with no SDK on it.
    await page.goto(`${demo.url}no-kyso-here`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(hostPidsFor(token.conf)).toEqual([]);

    await sdkCall(page, 'detect');
    const detected = await sdkOutcome(page);
    expect(detected).toMatchObject({ ok: true, ready: true });
    // detect() answered after the host's hello: the host is running now, before any signature.
    expect(hostPidsFor(token.conf)).toHaveLength(1);
    expect(await consentWindowOpen(browser, 500)).toBe(false);
    await page.close();
  });

  it('a page loading on a site the user allowed starts the host by itself', async () => {
    await endHost();
    const allowed = new URL(demo.url).origin.replace('localhost', '127.0.0.1');
    const worker = await extensionServiceWorker(browser);
    await worker.evaluate(
      (origin) =>
        (globalThis as unknown as { chrome: any }).chrome.storage.local.set({
          sitePermissions: { [origin]: 'allowed' },
        }),
      allowed,
    );
    const page = await browser.newPage();
    await page.goto(`${allowed}/no-kyso-here`);
    // No SDK and no request on this page: the extension's content script alone asked for the host.
    expect(await waitForHostPid(token.conf, 20_000)).toHaveLength(1);
    expect(await consentWindowOpen(browser, 500)).toBe(false);
    await page.close();
  });
});
