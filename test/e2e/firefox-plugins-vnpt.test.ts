/**
 * The VNPT-CA Plugin page in Firefox ESR: demo/public/vnpt-portal.html with the unmodified
 * vnpt-plugin.js (test/fixtures/third_party/plugins/vnpt), over https. Once the site is set to "use kyso" its
 * WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation in the page's world, and
 * the page's own calls share the certificate and sign a PDF and a tax return through kyso's
 * consent window (pdfsig, xmlsec1), and an XML by node id.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  clickInside,
  signInFirefoxConsent,
  startFirefoxSession,
  type FirefoxSession,
} from '../support/firefox.js';
import { scrollIntoViewPainted } from '../support/consent.js';
import { consentWindowFromSdkPage } from '../support/plugin-choice.js';
import { nextRawAnswer, openPluginPortal } from '../support/plugin-portal.js';
import {
  expectCertificateShared,
  expectHocBaSignedById,
  expectOnlyHocBaRows,
  HOC_BA_RECORD,
  itSignsOnTheVnptPage,
} from '../support/vnpt-portal.js';
import { onePagePdf } from '../support/sample-pdf.js';

describe('Firefox ESR: a VNPT-CA Plugin page signs through kyso (unmodified vnpt-plugin.js)', () => {
  let session: FirefoxSession;
  let portal: string;
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await onePagePdf('Hop dong so 45');
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

  const sign = async (consent: Page) => {
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    }
    await signInFirefoxConsent(consent, '01', session.token.pin);
  };
  const consentAndSign = async (click: () => Promise<unknown>) =>
    sign(await session.consentWindowAfter(click));

  const consentAndCancel = async (click: () => Promise<unknown>) =>
    clickInside(await session.consentWindowAfter(click), '#cancel');

  it('checkPlugin answers "1", setLicenseKey is accepted, getCertInfo answers after "share my certificate"', async () => {
    const page = await openPluginPortal(session.browser, portal);
    const before = new Set(session.browser.targets());
    await page.click('#btGetCertInfo');
    await page.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
      timeout: 30_000,
      polling: 100,
    });
    const prompt = await session.extensionPage('src/plugins/prompt.html', before);
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await scrollIntoViewPainted(prompt, 'input[name="certificate"][value$="/01"]');
    await prompt.click('input[name="certificate"][value$="/01"]');
    await clickInside(prompt, '#share');
    await expectCertificateShared(page, session.token.certDer('01'));
    await page.close();
  }, 180_000);

  itSignsOnTheVnptPage(
    () => openPluginPortal(session.browser, portal),
    () => ({ pdf, caPem: session.token.caPem, consentAndSign, consentAndCancel }),
    180_000,
  );

  it('XML by node id (XmlSigner NodeToSign): the window lists only that element; xmlsec1 (--id-attr) verifies it and nothing outside is signed', async () => {
    const page = await openPluginPortal(session.browser, portal);
    const consent = await session.consentWindowAfter(() =>
      page.evaluate(
        (content) => void (window as any).SignAdvanced(content, 'xml', { NodeToSign: 'data' }),
        Buffer.from(HOC_BA_RECORD).toString('base64'),
      ),
    );
    await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
    await consent.$eval('#xml-toggle', (el) => (el as HTMLElement).click());
    await consent.waitForSelector('#xml-table tbody tr', { timeout: 20_000 });
    const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText),
    );
    expectOnlyHocBaRows(rows);
    await sign(consent);
    expectHocBaSignedById(await nextRawAnswer(page), session.token.caPem);
    await page.close();
  }, 180_000);
});
