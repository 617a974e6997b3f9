/**
 * The VNPT-CA Plugin page in Firefox ESR: demo/public/vnpt-portal.html with the unmodified
 * vnpt-plugin.js (test/fixtures/third_party/plugins/vnpt), over https. Once the site is set to "use kyso" its
 * WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation in the page's world, and
 * the page's own calls share the certificate and sign a PDF and a tax return through kyso's
 * consent window (pdfsig, xmlsec1), and an XML by node id.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import {
  clickInside,
  signInFirefoxConsent,
  startFirefoxSession,
  type FirefoxSession,
} from '../support/firefox.js';
import { consentWindowFromSdkPage } from '../support/plugin-choice.js';
import { itAnswersTheVnptPage } from '../support/vnpt-portal.js';

describe('Firefox ESR: a VNPT-CA Plugin page signs through kyso (unmodified vnpt-plugin.js)', () => {
  let session: FirefoxSession;
  let portal: string;
  beforeAll(async () => {
    session = await startFirefoxSession();
    portal = new URL('/vnpt-portal.html', session.portal.url).href;
    const origin = new URL(session.portal.url).origin;
    // The user chose "use kyso" for the portal (the choice in kyso's options is shown in
    // firefox-plugins.test.ts). BiDi cannot open moz-extension:// pages; kyso's consent window,
    // opened from the SDK page, is one where the choice can be stored.
    const { sdkPage, consent } = await consentWindowFromSdkPage(session, 'chọn kyso cho trang');
    await consent.evaluate(
      (site) => (globalThis as any).browser.storage.local.set({ pluginSites: { [site]: 'kyso' } }),
      origin,
    );
    await clickInside(consent, '#cancel');
    await sdkPage.close();
    // The background registers the emulation for the origin when the choice is stored.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  itAnswersTheVnptPage(
    () => ({ session, url: portal }),
    () => ({
      consentAfter: (click) => session.consentWindowAfter(click),
      async promptAfter(click) {
        const before = new Set(session.browser.targets());
        await click();
        return session.extensionPage('src/plugins/prompt.html', before);
      },
      async signIn(consent) {
        if (await consent.$('body[data-state="permission"]')) {
          await consent.click('#allow-site');
          await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
        }
        await signInFirefoxConsent(consent, '01', session.token.pin);
      },
      clickClosing: clickInside,
    }),
    180_000,
  );
});
