/**
 * The VNPT-CA Plugin page in Firefox ESR: demo/public/vnpt-portal.html with the unmodified
 * vnpt-plugin.js (test/fixtures/third_party/plugins/vnpt), over https. Once the site is set to "use kyso" its
 * WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation in the page's world, and
 * the page's own calls share the certificate and sign a PDF and a tax return through kyso's
 * consent window (pdfsig, xmlsec1), and an XML by node id.
 */
import { describe } from 'vitest';
import { clickInside, signInFirefoxConsent, startFirefoxSession } from '../support/firefox.js';
import { storeUseKysoInFirefox } from '../support/plugin-choice.js';
import { useSharedSession } from '../support/shared-session.js';
import { itAnswersTheVnptPage } from '../support/vnpt-portal.js';

describe('Firefox ESR: a VNPT-CA Plugin page signs through kyso (unmodified vnpt-plugin.js)', () => {
  const session = useSharedSession(async () => {
    const started = await startFirefoxSession();
    await storeUseKysoInFirefox(started);
    return started;
  }, 180_000);

  itAnswersTheVnptPage(
    () => ({ session, url: new URL('/vnpt-portal.html', session.portal.url).href }),
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
