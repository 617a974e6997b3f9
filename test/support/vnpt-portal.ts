/**
 * What demo/public/vnpt-portal.html (the unmodified vnpt-plugin.js) must get from kyso, checked the
 * same way in Chromium and in Firefox ESR: each browser's test says only how its consent window is
 * answered.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { expect, it } from 'vitest';
import { countPixels, isBlue, makeNssDb, pdfsig, renderPage, writePdf } from './pdf-tools.js';
import { blueSignaturePng } from './pdf-images.js';
import { nextRawAnswer, setFieldValue } from './plugin-portal.js';
import { HOC_BA_ID_ATTRIBUTE, xmlsecVerify } from './xmlsec.js';

/** What a browser's test gives the shared checks. */
export interface VnptPortalContext {
  pdf: Uint8Array;
  caPem: string;
  /** Clicks what opens kyso's consent window, then chooses certificate 01 and signs with the PIN. */
  consentAndSign: (click: () => Promise<unknown>) => Promise<void>;
  /** Clicks what opens kyso's consent window, then cancels it. */
  consentAndCancel: (click: () => Promise<unknown>) => Promise<void>;
}

/** The school record signed by node id: a name outside DU_LIEU_HOC_BA, a mark inside it. */
export const HOC_BA_RECORD =
  '<HoSo><HocSinh><Ten>Trần Thị Bích</Ten></HocSinh><DU_LIEU_HOC_BA Id="data"><Diem>8.5</Diem></DU_LIEU_HOC_BA></HoSo>';

async function expectPdfThenTaxReturnSigned(
  page: Page,
  { pdf, caPem, consentAndSign }: VnptPortalContext,
): Promise<void> {
  await setFieldValue(page, '#fileContent', Buffer.from(pdf).toString('base64'));
  await consentAndSign(() => page.click('#btSign'));
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
  await consentAndSign(() => page.click('#btSign'));
  const xmlItem = JSON.parse((JSON.parse(await nextRawAnswer(page, previous)) as string[])[0]!);
  expect(xmlItem).toMatchObject({ code: 0 });
  const run = xmlsecVerify(dir, Buffer.from(xmlItem.data, 'base64'), caPem, 'to-khai.xml');
  expect(run.ok, run.output).toBe(true);
}

async function expectPdfSignedWithImage(
  page: Page,
  { pdf, caPem, consentAndSign }: VnptPortalContext,
): Promise<void> {
  await setFieldValue(page, '#fileContent', Buffer.from(pdf).toString('base64'));
  await setFieldValue(page, '#image', Buffer.from(blueSignaturePng()).toString('base64'));
  await consentAndSign(() => page.click('#btSignPdf'));
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
export function expectOnlyHocBaRows(rows: string[]): void {
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
export function expectHocBaSignedById(rawAnswer: string, caPem: string): void {
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

async function expectCancelAndBadInputAnswered(
  page: Page,
  { pdf, consentAndCancel }: VnptPortalContext,
): Promise<void> {
  await setFieldValue(page, '#fileContent', Buffer.from(pdf).toString('base64'));
  await consentAndCancel(() => page.click('#btSign'));
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

/** The page's signing calls, a cancel and bad input: the same in every browser. */
const VNPT_PAGE_SIGNATURES: {
  title: string;
  check: (page: Page, context: VnptPortalContext) => Promise<void>;
}[] = [
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
];

/** getCertInfo's answer once certificate 01 is shared in kyso's window, and setLicenseKey's. */
export async function expectCertificateShared(page: Page, certificateDer: Buffer): Promise<void> {
  const info = JSON.parse(await nextRawAnswer(page));
  expect(info).toMatchObject({
    code: 0,
    subjectCN: 'Nguyễn Văn Ân',
    base64: certificateDer.toString('base64'),
  });
  expect(JSON.parse(await page.$eval('#license', (el) => el.textContent))).toMatchObject({ code: 0 });
}

/** One test for each of VNPT_PAGE_SIGNATURES, each on a fresh tab of the portal. */
export function itSignsOnTheVnptPage(
  openPortal: () => Promise<Page>,
  context: () => VnptPortalContext,
  timeout: number,
): void {
  for (const { title, check } of VNPT_PAGE_SIGNATURES)
    it(
      title,
      async () => {
        const page = await openPortal();
        await check(page, context());
        await page.close();
      },
      timeout,
    );
}
