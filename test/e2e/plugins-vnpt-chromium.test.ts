/**
 * A portal page written for the VNPT-CA Plugin, with the plugin's own unmodified vnpt-plugin.js
 * (test/fixtures/third_party/plugins/vnpt), signs through kyso in Chromium once the site is set to "use kyso":
 * its WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation, in the plugin's
 * `{code, data, error}` answers, every signature through kyso's consent window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, extensionServiceWorker } from '../support/browser.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { nextRawAnswer, openPluginPortal } from '../support/plugin-portal.js';
import {
  expectCertificateShared,
  expectHocBaSignedById,
  expectOnlyHocBaRows,
  HOC_BA_RECORD,
  itSignsOnTheVnptPage,
} from '../support/vnpt-portal.js';
import { clickInView } from '../support/consent-requests.js';
import { signInConsent } from '../support/consent.js';

describe('VNPT-CA Plugin pages sign through kyso (Chromium, unmodified vnpt-plugin.js)', () => {
  let session: PortalSession;
  let portal: string;
  let pdf: Uint8Array;
  beforeAll(async () => {
    const plainPdf = await onePagePdf('Hop dong so 45');
    pdf = plainPdf;
    session = await startPortalSession(undefined, {});
    portal = new URL('/vnpt-portal.html', session.demo.url).href;
    // The user chose "use kyso" for the portal (the choice itself is shown in plugins-vgca-chromium.test.ts).
    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate(
      (origin) => (globalThis as any).chrome.storage.local.set({ pluginSites: { [origin]: 'kyso' } }),
      new URL(session.demo.url).origin,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  const raw = nextRawAnswer;
  const consentAndSign = async (click: () => Promise<unknown>) => {
    const consent = await consentWindowAfter(session.browser, click);
    await consent.click('input[name="certificate"][value$="/01"]');
    await consent.type('#pin', session.token.pin);
    await clickClosingWindow(consent, '#sign');
  };

  const consentAndCancel = async (click: () => Promise<unknown>) =>
    clickClosingWindow(await consentWindowAfter(session.browser, click), '#cancel');

  it('checkPlugin answers "1", setLicenseKey is accepted, getCertInfo answers after "share my certificate"', async () => {
    const page = await openPluginPortal(session.browser, portal);
    await page.click('#btGetCertInfo');
    await page.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
      timeout: 20_000,
    });
    const target = await session.browser.waitForTarget((t) => t.url().includes('src/plugins/prompt.html'), {
      timeout: 20_000,
    });
    const prompt = await target.asPage();
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await prompt.click('input[name="certificate"][value$="/01"]');
    await clickClosingWindow(prompt, '#share');
    await expectCertificateShared(page, session.token.certDer('01'));
    await page.close();
  }, 120_000);

  itSignsOnTheVnptPage(
    () => openPluginPortal(session.browser, portal),
    () => ({ pdf, caPem: session.token.caPem, consentAndSign, consentAndCancel }),
    120_000,
  );

  it('XML by node id (XmlSigner NodeToSign): only that element is signed and shown in the consent window; xmlsec1 (--id-attr) verifies', async () => {
    const page = await openPluginPortal(session.browser, portal);
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate(
        (content) =>
          (window as any).SignAdvanced(content, 'xml', { NodeToSign: 'data', SigningType: 'Enveloped' }),
        Buffer.from(HOC_BA_RECORD).toString('base64'),
      ),
    );
    await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
    await clickInView(consent, '#xml-toggle');
    const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText),
    );
    expectOnlyHocBaRows(rows);
    // The table moved the certificates down: scrolled to, then chosen and checked.
    await consent.$eval('input[name="certificate"][value$="/01"]', (el) =>
      el.scrollIntoView({ block: 'center' }),
    );
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expectHocBaSignedById(await raw(page), session.token.caPem);
    await page.close();
  }, 120_000);

  it('signOffice (the library’s own function) answers the plugin’s failure shape with OFFICE_NOT_SUPPORTED and a vi/en message; no window opens', async () => {
    const page = await openPluginPortal(session.browser, portal);
    const docx = Buffer.from('PK\u0003\u0004 a .docx package').toString('base64');
    // As VNPT's sample page calls it for .docx/.xlsx/.pptx, answered to the page's own callback (the
    // library's promise only settles for callbackDefault).
    await page.evaluate(
      (data) => void (window as any).vnpt_plugin.signOffice(data, (window as any).signPdfCallback),
      docx,
    );
    const answer = JSON.parse(await raw(page));
    expect(answer).toMatchObject({ code: 5, data: '', kysoCode: 'OFFICE_NOT_SUPPORTED' });
    expect(answer.error).toBe(
      'kyso chưa ký được tệp Office (Word, Excel, PowerPoint, OpenDocument). Hãy lưu tệp thành PDF rồi ký tệp PDF. / ' +
        'kyso cannot sign Office files (Word, Excel, PowerPoint, OpenDocument) yet. Save the file as PDF and sign the PDF.',
    );
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(
      /^5: kyso chưa ký được tệp Office/,
    );
    expect(session.browser.targets().some((t) => t.url().includes('src/consent/'))).toBe(false);
    await page.close();
  }, 120_000);
});
