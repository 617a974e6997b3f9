/**
 * What demo/public/vnpt-portal.html (the unmodified vnpt-plugin.js) must get from kyso, checked the
 * same way in Chromium and in Firefox ESR: each browser's test says only how its consent window is
 * answered.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { expect, it } from 'vitest';
import { makeNssDb, pdfsig, writePdf } from './pdf-tools.js';
import { countPixels, isBlue, renderPage } from './pdf-raster.js';
import { blueSignaturePng } from './pdf-images.js';
import { chooseCertificate, scrollIntoViewPainted } from './consent.js';
import { nextRawAnswer, openPluginPortal, setFieldValue } from './plugin-portal.js';
import { onePagePdf } from './sample-pdf.js';
import type { TestToken } from './token.js';
import { HOC_BA_ID_ATTRIBUTE, xmlsecVerify } from './xmlsec.js';

/** How a browser's test reaches kyso's windows and answers them. */
export interface KysoWindows {
  /** Runs `click` and gives the consent window it opened, past its activation delay. */
  consentAfter: (click: () => Promise<unknown>) => Promise<Page>;
  /** Runs `click` and gives kyso's certificate prompt (src/plugins/prompt.html) it opened. */
  promptAfter: (click: () => Promise<unknown>) => Promise<Page>;
  /** In a consent window: chooses certificate 01, types the PIN and signs. */
  signIn: (consent: Page) => Promise<void>;
  /** Clicks a control that closes its own window (Cancel, Share). */
  clickClosing: (window: Page, selector: string) => Promise<void>;
}

/** What the shared checks work with: the browser's windows, the document and the token's CA and certificate. */
interface VnptPortalContext extends KysoWindows {
  pdf: Uint8Array;
  caPem: string;
  /** DER of the token's certificate 01. */
  certificateDer: Buffer;
}

async function consentAndSign(context: VnptPortalContext, click: () => Promise<unknown>): Promise<void> {
  await context.signIn(await context.consentAfter(click));
}

/** The school record signed by node id: a name outside DU_LIEU_HOC_BA, a mark inside it. */
const HOC_BA_RECORD =
  '<HoSo><HocSinh><Ten>Trần Thị Bích</Ten></HocSinh><DU_LIEU_HOC_BA Id="data"><Diem>8.5</Diem></DU_LIEU_HOC_BA></HoSo>';

async function expectPdfThenTaxReturnSigned(page: Page, context: VnptPortalContext): Promise<void> {
  const { pdf, caPem } = context;
  await setFieldValue(page, '#fileContent', Buffer.from(pdf).toString('base64'));
  await consentAndSign(context, () => page.click('#btSign'));
  const answer = JSON.parse(await nextRawAnswer(page)) as string[];
  const item = JSON.parse(answer[0]!);
  expect(item).toMatchObject({ code: 0, error: '' });
  expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toBe(
    'Ký dữ liệu thành công.',
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-'));
  expect(
    pdfsig(writePdf(dir, 'signed.pdf', Buffer.from(item.data, 'base64')), makeNssDb(dir, [caPem]))
      .signatures[0]?.valid,
  ).toBe(true);

  const previous = JSON.stringify(answer);
  const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
  await setFieldValue(page, '#fileType', 'xml');
  await setFieldValue(page, '#fileContent', xml.toString('base64'));
  await consentAndSign(context, () => page.click('#btSign'));
  const xmlItem = JSON.parse((JSON.parse(await nextRawAnswer(page, previous)) as string[])[0]!);
  expect(xmlItem).toMatchObject({ code: 0 });
  const run = xmlsecVerify(dir, Buffer.from(xmlItem.data, 'base64'), caPem, 'to-khai.xml');
  expect(run.ok, run.output).toBe(true);
}

async function expectPdfSignedWithImage(page: Page, context: VnptPortalContext): Promise<void> {
  const { pdf, caPem } = context;
  await setFieldValue(page, '#fileContent', Buffer.from(pdf).toString('base64'));
  await setFieldValue(page, '#image', Buffer.from(blueSignaturePng()).toString('base64'));
  await consentAndSign(context, () => page.click('#btSignPdf'));
  const answer = JSON.parse(await nextRawAnswer(page));
  expect(answer).toMatchObject({ code: 0 });
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-pdf-'));
  const file = writePdf(dir, 'signed.pdf', Buffer.from(answer.data, 'base64'));
  expect(pdfsig(file, makeNssDb(dir, [caPem])).signatures[0]?.valid).toBe(true);
  const raster = renderPage(file);
  // The rectangle llx 400, lly 80, urx 560, ury 160 (PDF points from the bottom left) holds the blue signature; the rest of the page none.
  expect(countPixels(raster, { x: 400, y: 80, width: 160, height: 80 }, isBlue)).toBeGreaterThan(50);
  expect(countPixels(raster, { x: 0, y: 300, width: 595, height: 542 }, isBlue)).toBe(0);
}

/** The consent window's XML table for HOC_BA_RECORD: only the signed element, not the name outside it. */
function expectOnlyHocBaRows(rows: string[]): void {
  expect(rows.join('\n')).toContain('8.5');
  expect(
    rows.every((row) => row.includes('DU_LIEU_HOC_BA')),
    rows.join(' | '),
  ).toBe(true);
  expect(rows.join('\n')).not.toContain('Bích');
}

/**
 * The page's answer to HOC_BA_RECORD signed by node id: Reference URI="#data", xmlsec1 verifies it;
 * outside the element nothing is signed, inside a changed value breaks the signature.
 */
function expectHocBaSignedById(rawAnswer: string, caPem: string): void {
  const item = JSON.parse((JSON.parse(rawAnswer) as string[])[0]!);
  expect(item, JSON.stringify(item)).toMatchObject({ code: 0 });
  const signed = Buffer.from(item.data, 'base64').toString('utf8');
  expect(signed).toContain('<Reference URI="#data">');
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-node-'));
  const verify = (document: string) => xmlsecVerify(dir, document, caPem, 'hoc-ba.xml', HOC_BA_ID_ATTRIBUTE);
  const run = verify(signed);
  expect(run.ok, run.output).toBe(true);
  expect(verify(signed.replace('Trần Thị Bích', 'Lê Văn Cường')).ok).toBe(true);
  expect(verify(signed.replace('8.5', '9.5')).ok).toBe(false);
}

async function expectCancelAndBadInputAnswered(page: Page, context: VnptPortalContext): Promise<void> {
  await setFieldValue(page, '#fileContent', Buffer.from(context.pdf).toString('base64'));
  await context.clickClosing(await context.consentAfter(() => page.click('#btSign')), '#cancel');
  const cancelled = JSON.parse((JSON.parse(await nextRawAnswer(page)) as string[])[0]!);
  expect(cancelled).toMatchObject({ code: 11, kysoCode: 'USER_CANCELLED' });
  expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(
    /^11: Người dùng đã huỷ/,
  );

  const previous = await page.$eval('#raw', (el) => el.textContent);
  await setFieldValue(page, '#fileContent', 'not base64 at all!');
  await page.click('#btSignPdf');
  expect(JSON.parse(await nextRawAnswer(page, previous))).toMatchObject({ code: 1, kysoCode: 'BAD_REQUEST' });
}

/** getCertInfo's answer once certificate 01 is shared in kyso's prompt, and setLicenseKey's. */
async function expectCertificateShared(page: Page, context: VnptPortalContext): Promise<void> {
  const prompt = await context.promptAfter(async () => {
    await page.click('#btGetCertInfo');
    await page.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
      timeout: 30_000,
      polling: 100,
    });
  });
  await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
  await chooseCertificate(prompt, '01');
  await context.clickClosing(prompt, '#share');
  const info = JSON.parse(await nextRawAnswer(page));
  // The certificate alone: portals read a `code` field as a failure (see the Chromium test).
  expect(info).not.toHaveProperty('code');
  expect(info).toMatchObject({
    subjectCN: 'Nguyễn Văn Ân',
    base64: context.certificateDer.toString('base64'),
  });
  // Accepted as VNPT's plugin accepts a key: code 1 (portals test `code === 1`; see the Chromium test).
  expect(JSON.parse(await page.$eval('#license', (el) => el.textContent))).toMatchObject({ code: 1 });
}

/** HOC_BA_RECORD signed by node id: the consent window's XML table lists only that element. */
async function expectNodeSignedById(page: Page, context: VnptPortalContext): Promise<void> {
  const consent = await context.consentAfter(() =>
    page.evaluate(
      (content) =>
        void (window as any).SignAdvanced(content, 'xml', { NodeToSign: 'data', SigningType: 'Enveloped' }),
      Buffer.from(HOC_BA_RECORD).toString('base64'),
    ),
  );
  await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
  await scrollIntoViewPainted(consent, '#xml-toggle');
  await consent.click('#xml-toggle');
  await consent.waitForSelector('#xml-table tbody tr', { timeout: 20_000 });
  const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
    trs.map((tr) => (tr as HTMLElement).innerText),
  );
  expectOnlyHocBaRows(rows);
  // The table moved the certificates down: signIn scrolls to certificate 01 before choosing it.
  await context.signIn(consent);
  expectHocBaSignedById(await nextRawAnswer(page), context.caPem);
}

/** What the page asks of kyso, the same in every browser: its certificate, its signing calls, a cancel and bad input. */
const VNPT_PAGE_CALLS: {
  title: string;
  check: (page: Page, context: VnptPortalContext) => Promise<void>;
}[] = [
  {
    title:
      'checkPlugin answers "1", setLicenseKey is accepted, getCertInfo answers after "share my certificate"',
    check: expectCertificateShared,
  },
  {
    title:
      'signArrDataAdvanced: a PDF and a tax return, {code: 0, data} each; pdfsig and xmlsec1 accept them',
    check: expectPdfThenTaxReturnSigned,
  },
  {
    title:
      'signPdf with a PdfSigner (rectangle, signature image): the image is drawn where asked, only there; pdfsig accepts it',
    check: expectPdfSignedWithImage,
  },
  {
    title:
      'a cancelled consent answers the plugin’s cancel code 11; bad input answers code 1; nothing is signed',
    check: expectCancelAndBadInputAnswered,
  },
  {
    title:
      'XML by node id (XmlSigner NodeToSign): the window lists only that element; xmlsec1 (--id-attr) verifies it and nothing outside is signed',
    check: expectNodeSignedById,
  },
];

/**
 * One test for each of VNPT_PAGE_CALLS, each on a fresh tab of `portal().url` (the demo's
 * vnpt-portal.html, set to "use kyso") in the session's browser.
 */
export function itAnswersTheVnptPage(
  portal: () => { session: { browser: Browser; token: TestToken }; url: string },
  windows: () => KysoWindows,
  timeout: number,
): void {
  for (const { title, check } of VNPT_PAGE_CALLS)
    it(
      title,
      async () => {
        const { session, url } = portal();
        const page = await openPluginPortal(session.browser, url);
        await check(page, {
          ...windows(),
          pdf: await onePagePdf('Hop dong so 45'),
          caPem: session.token.caPem,
          certificateDer: session.token.certDer('01'),
        });
        await page.close();
      },
      timeout,
    );
}
