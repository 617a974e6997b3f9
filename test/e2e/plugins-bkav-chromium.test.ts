/**
 * A portal page written for the BkavCA Signer Plugin, with the plugin's own unmodified
 * BkavCAPlugin.js (test/fixtures/third_party/plugins/bkav), signs through kyso in Chromium once the user chose
 * "use kyso" for the site: its WebSocket to wss://localhost:8443 is answered by kyso's emulation,
 * in the plugin's `<result>*BkavExtensionCallback*end` answers, every signature through kyso's
 * consent window. Results judged by pdfsig, xmlsec1 and openssl.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { chooseCertificate, signInConsent } from '../support/consent.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { chooseUseKyso, openKeptOnInstalledPlugin } from '../support/plugin-choice.js';
import { startPluginStandIn } from '../support/plugin-stand-in.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { nextRawAnswer } from '../support/plugin-portal.js';
import { xmlsecVerify } from '../support/xmlsec.js';

const PROMPT = 'src/plugins/prompt.html';

/** The installed BkavCA plugin: wss on 127.0.0.1:8443 (self-signed, as the real one), answering every call with "1". */
const installedPluginListener = () =>
  startPluginStandIn(
    8443,
    { subject: '/CN=localhost', subjectAltName: 'DNS:localhost,IP:127.0.0.1' },
    (frame) =>
      frame.endsWith('*BkavExtensionCallback*end') ? 'installed*BkavExtensionCallback*end' : undefined,
  );

describe('BkavCA Signer Plugin pages sign through kyso (Chromium, unmodified BkavCAPlugin.js)', () => {
  let session: PortalSession;
  let portal: string;
  let page: Page;
  beforeAll(async () => {
    // the stand-in for the installed plugin has a self-signed certificate, as the real one has
    session = await startPortalSession(undefined, {}, ['--ignore-certificate-errors']);
    portal = new URL('/bkav-portal.html', session.demo.url).href;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  const setPdf = (pdf: Uint8Array) =>
    page.$eval(
      '#pdf',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      Buffer.from(pdf).toString('base64'),
    );
  const clearRaw = () => page.$eval('#raw', (el) => (el.textContent = ''));
  const connected = async () => {
    await page.$eval('#plugin', (el) => (el.textContent = ''));
    await page.click('#btConnect');
    await page.waitForFunction(() => document.getElementById('plugin')!.textContent !== '', {
      timeout: 20_000,
    });
    return page.$eval('#plugin', (el) => el.textContent);
  };

  it('a site the user has not chosen: Connect answers "0" as without the plugin; after "use kyso" it answers "1"', async () => {
    page = await session.browser.newPage();
    await page.goto(portal);
    expect(await connected()).toBe('0');
    await chooseUseKyso(session.browser, page, new URL(session.demo.url).origin, 'BkavCA Signer');
    await page.bringToFront();
    expect(await connected()).toBe('1');
  }, 120_000);

  it('GetAllCert answers, after "share my certificate", the certificate list the sample page reads (serial, subject, issuer, expiry)', async () => {
    const prompt = session.browser.waitForTarget((t) => t.url().includes(PROMPT), { timeout: 30_000 });
    await clearRaw();
    await page.click('#btGetCert');
    const share = await (await prompt).asPage();
    await share.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await chooseCertificate(share, '01');
    await clickClosingWindow(share, '#share');
    await nextRawAnswer(page);
    const shown = (await page.$eval('#cert', (el) => el.textContent)).split(' | ');
    const certificate = new X509Certificate(session.token.certDer('01'));
    expect(shown[0]!.replace(/^0+/, '')).toBe(certificate.serialNumber.toUpperCase().replace(/^0+/, ''));
    expect(shown[1]).toBe('Nguyễn Văn Ân');
    expect(shown[3]).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }, 120_000);

  it('SignPDF in base64 mode: a PDF sent in several frames (> 114,271 characters) is signed after consent; pdfsig accepts the answer', async () => {
    const pdf = readFileSync(new URL('../fixtures/pdf-corpus/r-zoo-zoo.pdf', import.meta.url));
    expect(Buffer.from(pdf).toString('base64').length).toBeGreaterThan(2 * 114_271);
    await setPdf(pdf);
    await clearRaw();
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSignPdf'));
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const signed = Buffer.from(await nextRawAnswer(page), 'base64');
    expect(await page.$eval('#result', (el) => el.textContent)).toBe('Ký thành công');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-bkav-'));
    expect(
      pdfsig(writePdf(dir, 'signed.pdf', signed), makeNssDb(dir, [session.token.caPem])).signatures.at(-1)
        ?.valid,
    ).toBe(true);
  }, 180_000);

  it('SignPDF and SignCMS naming a CertificateSerialNumber: only that certificate can be chosen in kyso’s window, and another one forced past it is refused before signing', async () => {
    const wanted = new X509Certificate(session.token.certDer('02'));
    await setPdf(await onePagePdf('Hop dong 12'));
    await page.$eval('#serial', (el, value) => ((el as HTMLInputElement).value = value), wanted.serialNumber);
    await clearRaw();
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSignPdf'));
    const radio = (id: string) => `input[name="certificate"][value$="/${id}"]`;
    await consent.waitForSelector(radio('02'), { timeout: 20_000 });
    expect(await consent.$eval(radio('01'), (el) => (el as HTMLInputElement).disabled)).toBe(true);
    expect(await consent.$eval(radio('02'), (el) => (el as HTMLInputElement).disabled)).toBe(false);

    // The window's choice is not the only guard: certificate 01 chosen anyway is refused after login, nothing signed.
    await consent.$eval(radio('01'), (el) => {
      const input = el as HTMLInputElement;
      input.disabled = false;
      input.checked = true;
      input.dispatchEvent(new Event('change'));
    });
    await consent.type('#pin', session.token.pin);
    await consent.click('#sign');
    await consent.waitForSelector('#error[data-code="CERTIFICATE_NOT_REQUESTED"]', {
      visible: true,
      timeout: 20_000,
    });
    expect(await page.$eval('#raw', (el) => el.textContent)).toBe('');

    await signInConsent(consent, '02', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const signed = Buffer.from(await nextRawAnswer(page), 'base64');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-bkav-serial-'));
    const report = pdfsig(writePdf(dir, 'signed.pdf', signed), makeNssDb(dir, [session.token.caPem]));
    expect(report.signatures.at(-1)?.valid, report.output).toBe(true);
    expect(report.signatures.at(-1)?.text).toContain('Công ty TNHH Ký Số Việt');

    // SignCMS with the same serial (ObjCMSSigner's CertificateSerialNumber): the same restriction.
    const data = Buffer.from('Biên bản bàn giao số 4/2026', 'utf8');
    await page.$eval(
      '#data',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      data.toString('base64'),
    );
    await clearRaw();
    const cmsConsent = await consentWindowAfter(session.browser, () => page.click('#btSignCms'));
    await cmsConsent.waitForSelector(radio('02'), { timeout: 20_000 });
    expect(await cmsConsent.$eval(radio('01'), (el) => (el as HTMLInputElement).disabled)).toBe(true);
    await signInConsent(cmsConsent, '02', session.token.pin);
    await clickClosingWindow(cmsConsent, '#sign');
    const verified = opensslCmsVerify({
      cms: Buffer.from(await nextRawAnswer(page), 'base64'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent).toEqual(data);
    await page.$eval('#serial', (el) => ((el as HTMLInputElement).value = ''));
  }, 180_000);

  it('SignXML (base64 mode) signs a tax return where its format signs (xmlsec1); SignCMS answers an attached CMS over the data (openssl)', async () => {
    const setData = (bytes: Uint8Array) =>
      page.$eval(
        '#data',
        (el, value) => ((el as HTMLTextAreaElement).value = value),
        Buffer.from(bytes).toString('base64'),
      );
    const signAfter = async (click: () => Promise<unknown>) => {
      const consent = await consentWindowAfter(session.browser, click);
      await signInConsent(consent, '01', session.token.pin);
      await clickClosingWindow(consent, '#sign');
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-bkav-xml-'));
    await setData(readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url)));
    await clearRaw();
    await signAfter(() => page.click('#btSignXml'));
    const xml = Buffer.from(await nextRawAnswer(page), 'base64');
    const run = xmlsecVerify(dir, xml, session.token.caPem, 'to-khai.xml');
    expect(run.ok, run.output).toBe(true);

    const data = Buffer.from('Biên bản bàn giao số 3/2026', 'utf8');
    await setData(data);
    await clearRaw();
    await signAfter(() => page.click('#btSignCms'));
    const verified = opensslCmsVerify({
      cms: Buffer.from(await nextRawAnswer(page), 'base64'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent).toEqual(data);
  }, 120_000);

  it('failures answer the plugin’s result code first (the page’s own table), then kyso’s code and a vi/en message; nothing is signed without consent', async () => {
    // Not a PDF: 4 (bad input), no window.
    await setPdf(new TextEncoder().encode('not a pdf'));
    await clearRaw();
    await page.click('#btSignPdf');
    expect(await nextRawAnswer(page)).toMatch(
      /^4\*BAD_REQUEST\*Yêu cầu không hợp lệ\. \/ The request is not valid\.$/,
    );
    expect(await page.$eval('#result', (el) => el.textContent)).toBe('Dữ liệu đầu vào không đúng định dạng');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    // A function kyso does not implement (VerifyPDF): 0 and NOT_SUPPORTED.
    await clearRaw();
    await page.click('#btVerifyPdf');
    expect(await nextRawAnswer(page)).toMatch(
      /^0\*NOT_SUPPORTED\*kyso chưa hỗ trợ .+ \/ kyso does not support /,
    );

    // Cancelled in kyso's window: 13, the page's "Người dùng hủy bỏ".
    await setPdf(await onePagePdf('Hop dong 9'));
    await clearRaw();
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSignPdf'));
    await clickClosingWindow(consent, '#cancel');
    expect(await nextRawAnswer(page)).toMatch(/^13\*USER_CANCELLED\*/);
    expect(await page.$eval('#result', (el) => el.textContent)).toBe('Người dùng hủy bỏ');
  }, 120_000);
  it('a site kept on "use the installed plugin" still reaches the real listener on 8443', async () => {
    const tool = await installedPluginListener();
    try {
      // The page tries the plugin (evaluated: a click in this background tab would wait for it to be shown).
      const otherPage = await openKeptOnInstalledPlugin(session, '/bkav-portal.html', (page) =>
        page.evaluate(() => (window as any).connect()),
      );
      await otherPage.bringToFront();
      tool.calls.length = 0;
      await otherPage.click('#btConnect');
      await otherPage.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
        timeout: 20_000,
      });
      await otherPage.click('#btGetCert');
      await otherPage.waitForFunction(() => document.getElementById('raw')!.textContent === 'installed', {
        timeout: 20_000,
      });
      expect(tool.calls.map((call) => call.frame)).toContain('12*SerialNumber**BkavExtensionCallback*end');
      expect(await consentWindowOpen(session.browser, 0)).toBe(false);
      await otherPage.close();
    } finally {
      await tool.close();
    }
  }, 120_000);
});
