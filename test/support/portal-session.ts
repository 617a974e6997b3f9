import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  enableDeveloperMode,
  launchChromium,
  type ChromiumSession,
} from './browser.js';
import { signInConsent } from './consent.js';
import { registerHostInProfile } from './host-registration.js';
import { askToSignText, expectCmsVerified, sdkOutcome } from './sdk-call.js';
import { copyTestToken, type TestToken } from './token.js';

/**
 * What most e2e tests start from: a private test token, the demo portal trusting its CA, Chromium
 * with the extension and the host installed by `kyso-host install`, developer mode on (localhost).
 */
export interface PortalSession {
  token: TestToken;
  demo: DemoServer;
  chromium: ChromiumSession;
  browser: Browser;
  /** A new tab on the portal, once kyso reports ready there (the bridge is loaded). */
  openPortal(): Promise<Page>;
  close(): Promise<void>;
}

export async function startPortalSession(
  hostEnv?: (token: TestToken) => Record<string, string>,
  files?: Record<string, Uint8Array>,
  chromiumArgs: string[] = [],
  display?: string,
): Promise<PortalSession> {
  const token = copyTestToken();
  const demo = await startDemoServer({
    trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')),
    ...(files && { files }),
  });
  const chromium = await launchChromium(
    (profile) => void registerHostInProfile(profile, hostEnv?.(token) ?? token.env),
    chromiumArgs,
    display,
  );
  await enableDeveloperMode(chromium.browser);
  return {
    token,
    demo,
    chromium,
    browser: chromium.browser,
    async openPortal() {
      const page = await chromium.browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
      return page;
    },
    async close() {
      await chromium.close();
      await demo.close();
      token.remove();
    },
  };
}

/** Signs `text` from `page` through the consent window (key 01); the CMS must verify with openssl. */
export async function signTextFromPage(session: PortalSession, page: Page, text: string): Promise<void> {
  const consent = await consentWindowAfter(session.browser, () => askToSignText(page, text));
  await signInConsent(consent, '01', session.token.pin);
  await clickClosingWindow(consent, '#sign');
  expectCmsVerified(await sdkOutcome(page), text, session.token.caPem);
}
