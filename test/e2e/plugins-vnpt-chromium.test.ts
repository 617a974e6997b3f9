/**
 * A portal page written for the VNPT-CA Plugin, with the plugin's own unmodified vnpt-plugin.js
 * (test/fixtures/third_party/plugins/vnpt), signs through kyso in Chromium once the site is set to "use kyso":
 * its WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation, in the plugin's
 * `{code, data, error}` answers, every signature through kyso's consent window.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, extensionServiceWorker } from '../support/browser.js';
import { countPixels, isBlue, makeNssDb, pdfsig, renderPage, writePdf } from '../support/pdf-tools.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { xmlsecVerify } from '../support/xmlsec.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { nextRawAnswer } from '../support/plugin-portal.js';
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

  it('checkPlugin answers "1", setLicenseKey is accepted, getCertInfo answers after "share my certificate"', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
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
    const info = JSON.parse(await raw(page));
    expect(info).toMatchObject({
      code: 0,
      subjectCN: 'Nguyễn Văn Ân',
      base64: session.token.certDer('01').toString('base64'),
    });
    expect(JSON.parse(await page.$eval('#license', (el) => el.textContent))).toMatchObject({ code: 0 });
    await page.close();
  }, 120_000);

  it('signArrDataAdvanced: a PDF and a tax return, {code: 0, data} each; pdfsig and xmlsec1 accept them', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    await page.$eval(
      '#fileContent',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      Buffer.from(pdf).toString('base64'),
    );
    await consentAndSign(() => page.click('#btSign'));
    const answer = JSON.parse(await raw(page)) as string[];
    const item = JSON.parse(answer[0]!);
    expect(item).toMatchObject({ code: 0, error: '' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toBe(
      'Ký dữ liệu thành công.',
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-'));
    expect(
      pdfsig(
        writePdf(dir, 'signed.pdf', Buffer.from(item.data, 'base64')),
        makeNssDb(dir, [session.token.caPem]),
      ).signatures[0]?.valid,
    ).toBe(true);

    const previous = JSON.stringify(answer);
    const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
    await page.$eval('#fileType', (el) => ((el as HTMLInputElement).value = 'xml'));
    await page.$eval(
      '#fileContent',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      xml.toString('base64'),
    );
    await consentAndSign(() => page.click('#btSign'));
    const xmlItem = JSON.parse((JSON.parse(await raw(page, previous)) as string[])[0]!);
    expect(xmlItem).toMatchObject({ code: 0 });
    const run = xmlsecVerify(dir, Buffer.from(xmlItem.data, 'base64'), session.token.caPem, 'to-khai.xml');
    expect(run.ok, run.output).toBe(true);
    await page.close();
  }, 120_000);

  it('signPdf with a PdfSigner (rectangle, signature image): the image is drawn where asked; pdfsig accepts it', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    await page.$eval(
      '#fileContent',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      Buffer.from(pdf).toString('base64'),
    );
    await page.$eval(
      '#image',
      (el, value) => ((el as HTMLInputElement).value = value),
      Buffer.from(blueSignaturePng()).toString('base64'),
    );
    await consentAndSign(() => page.click('#btSignPdf'));
    const answer = JSON.parse(await raw(page));
    expect(answer).toMatchObject({ code: 0 });
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-pdf-'));
    const file = writePdf(dir, 'signed.pdf', Buffer.from(answer.data, 'base64'));
    expect(pdfsig(file, makeNssDb(dir, [session.token.caPem])).signatures[0]?.valid).toBe(true);
    const raster = renderPage(file);
    // The rectangle llx 400, lly 80, urx 560, ury 160 (PDF points from the bottom left) holds the blue signature; the rest of the page none.
    expect(countPixels(raster, { x: 400, y: 80, width: 160, height: 80 }, isBlue)).toBeGreaterThan(50);
    expect(countPixels(raster, { x: 0, y: 300, width: 595, height: 542 }, isBlue)).toBe(0);
    await page.close();
  }, 120_000);

  it('a cancelled consent answers the plugin’s cancel code 11; bad input answers code 1; nothing is signed', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    await page.$eval(
      '#fileContent',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      Buffer.from(pdf).toString('base64'),
    );
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSign'));
    await clickClosingWindow(consent, '#cancel');
    const cancelled = JSON.parse((JSON.parse(await raw(page)) as string[])[0]!);
    expect(cancelled).toMatchObject({ code: 11, kysoCode: 'USER_CANCELLED' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(
      /^11: Người dùng đã huỷ/,
    );

    const previous = await page.$eval('#raw', (el) => el.textContent);
    await page.$eval('#fileContent', (el) => ((el as HTMLTextAreaElement).value = 'not base64 at all!'));
    await page.click('#btSignPdf');
    expect(JSON.parse(await raw(page, previous))).toMatchObject({ code: 1, kysoCode: 'BAD_REQUEST' });
    await page.close();
  }, 120_000);

  it('XML by node id (XmlSigner NodeToSign): only that element is signed and shown in the consent window; xmlsec1 (--id-attr) verifies', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    // Outside the element: a name that must neither be shown nor be covered by the signature.
    const xml =
      '<HoSo><HocSinh><Ten>Trần Thị Bích</Ten></HocSinh><DU_LIEU_HOC_BA Id="data"><Diem>8.5</Diem></DU_LIEU_HOC_BA></HoSo>';
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate(
        (content) =>
          (window as any).SignAdvanced(content, 'xml', { NodeToSign: 'data', SigningType: 'Enveloped' }),
        Buffer.from(xml).toString('base64'),
      ),
    );
    await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
    await clickInView(consent, '#xml-toggle');
    const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText),
    );
    expect(rows.join('\n')).toContain('8.5');
    expect(
      rows.every((row) => row.includes('DU_LIEU_HOC_BA')),
      rows.join(' | '),
    ).toBe(true);
    expect(rows.join('\n')).not.toContain('Bích');
    // The table moved the certificates down: scrolled to, then chosen and checked.
    await consent.$eval('input[name="certificate"][value$="/01"]', (el) =>
      el.scrollIntoView({ block: 'center' }),
    );
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const item = JSON.parse((JSON.parse(await raw(page)) as string[])[0]!);
    expect(item, JSON.stringify(item)).toMatchObject({ code: 0 });
    const signed = Buffer.from(item.data, 'base64').toString('utf8');
    expect(signed).toContain('<Reference URI="#data">');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-node-'));
    const verify = (document: string) => {
      writeFileSync(path.join(dir, 'hoc-ba.xml'), document);
      return spawnSync(
        'xmlsec1',
        [
          '--verify',
          '--trusted-pem',
          session.token.caPem,
          '--id-attr:Id',
          'DU_LIEU_HOC_BA',
          path.join(dir, 'hoc-ba.xml'),
        ],
        { encoding: 'utf8' },
      );
    };
    const run = verify(signed);
    expect(run.status, run.stderr).toBe(0);
    // Outside the element nothing is signed; inside, a changed value breaks the signature.
    expect(verify(signed.replace('Trần Thị Bích', 'Lê Văn Cường')).status).toBe(0);
    expect(verify(signed.replace('8.5', '9.5')).status).not.toBe(0);
    await page.close();
  }, 120_000);

  it('signOffice (the library’s own function) answers the plugin’s failure shape with OFFICE_NOT_SUPPORTED and a vi/en message; no window opens', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
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
