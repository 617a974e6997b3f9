/**
 * Every signature format through the whole path in Chromium: page SDK → extension (PDF and XML
 * prepared there, consent window) → host → SoftHSM, with the independent verifiers as judges:
 * pdfsig (PAdES B-B and B-T, a second signature), xmlsec1 (HTKK, e-invoice, rsa-sha1), openssl
 * (CAdES-T), and tampered outputs refused by each.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  setExtensionTsa,
} from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { makeNssDb, pdfsig, pdftotext, verifyPdfSignatureCms, writePdf } from '../support/pdf-tools.js';
import { countPixels, isBlue, renderPage } from '../support/pdf-raster.js';
import { clickInView, drawn } from '../support/page-checks.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome, type SdkMethod } from '../support/sdk-call.js';
import { screenshot } from '../support/screenshots.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { chooseCertificate, signInConsent } from '../support/consent.js';
import { REAL_EINVOICE_CODED, REAL_HTKK_NAMES_AFTER_HEADER } from '../support/fixtures.js';
import { xmlsecSignatureIntact, xmlsecVerify } from '../support/xmlsec.js';

const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');

async function applicationPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of ['Don de nghi cap giay phep', 'Phu luc'])
    doc.addPage([595, 842]).drawText(text, { x: 72, y: 500, size: 14, font });
  // A black band at the top of page 1: what the consent window's preview must show.
  doc.getPage(0).drawRectangle({ x: 72, y: 700, width: 451, height: 60, color: rgb(0, 0, 0) });
  return doc.save();
}

const outcome = (page: Page) => sdkOutcome(page);

/** The signature's outline over the preview, as fractions of the drawn page (0–1, from the top left). */
async function outlineOnPage(consent: Page) {
  return consent.evaluate(() => {
    const canvas = document.getElementById('preview')!.getBoundingClientRect();
    const outline = document.getElementById('appearance-outline')!;
    const box = outline.getBoundingClientRect();
    return {
      hidden: outline.hidden,
      left: (box.left - canvas.left) / canvas.width,
      top: (box.top - canvas.top) / canvas.height,
      right: (box.right - canvas.left) / canvas.width,
      bottom: (box.bottom - canvas.top) / canvas.height,
      images: [...outline.querySelectorAll('img')].map((img) => ({
        role: img.dataset.role,
        loaded: img.complete && img.naturalWidth,
      })),
    };
  });
}

describe('signature formats through the whole path (Chromium)', () => {
  let session: PortalSession;
  let tsa: LocalTsa;
  let dir: string;
  let nssDb: string;
  let page: Page;

  /** The consent window for `method`: checks, then key `keyId` and the PIN. */
  async function signInWindow(
    method: SdkMethod,
    options: unknown,
    keyId: string,
    check?: (consent: Page) => Promise<void>,
  ) {
    const consent = await consentWindowAfter(session.browser, () => sdkCall(page, method, options));
    await check?.(consent);
    await signInConsent(consent, keyId, session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await outcome(page);
    expect(await consentWindowOpen(session.browser)).toBe(false);
    return result;
  }

  const setTsa = (url: string | undefined) => setExtensionTsa(session.browser, url);

  /** xmlsec1, trusting the test token's CA. */
  const xmlsecVerifyTokenCa = (xml: string, name: string) =>
    xmlsecVerify(dir, xml, session.token.caPem, name);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-e2e-formats-'));
    tsa = await startLocalTsa();
    session = await startPortalSession();
    nssDb = makeNssDb(dir, [session.token.caPem, tsa.caPemPath]);
    await setTsa(tsa.url);
    page = await session.openPortal();
  });
  afterAll(async () => {
    await session?.close();
    await tsa?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PAdES B-T with the Decree 30 text stamp, then a second B-B signature with a signature image: pdfsig accepts both', async () => {
    const original = await applicationPdf();
    const stamped = await signInWindow(
      'signPdf',
      {
        pdf: Buffer.from(original).toString('base64'),
        name: 'don-de-nghi.pdf',
        description: 'Đơn đề nghị cấp giấy phép xây dựng',
        lang: 'vi',
        level: 'B-T',
        reason: 'Ký nộp hồ sơ',
        location: 'Hà Nội',
        appearance: { kind: 'stamp', lines: ['Số: 45/ĐĐN-UBND', 'Thời gian ký: {time}'] },
      },
      '01',
      async (consent) => {
        // What the signature adds, before the PIN: the stamp's page, its lines as the site's words
        // (the time kyso's, filled in when it signs), /Reason and /Location as the site's words.
        expect(
          await consent.$eval(
            '#appearance',
            (el) => !(el as HTMLElement).hidden && (el as HTMLElement).dataset.page,
          ),
        ).toBe('1');
        expect(
          await consent.$$eval('#appearance-lines li', (els) => els.map((el) => el.textContent)),
        ).toEqual(['Số: 45/ĐĐN-UBND', 'Thời gian ký: ⟨thời gian ký⟩']);
        expect(await consent.$eval('dd[data-field="reason"]', (el) => el.textContent)).toBe('Ký nộp hồ sơ');
        expect(await consent.$eval('dd[data-field="location"]', (el) => el.textContent)).toBe('Hà Nội');
        expect(await consent.$eval('#document-kind', (el) => (el as HTMLElement).dataset.kind)).toBe('pdf');
        expect(await consent.$eval('#page-count', (el) => el.textContent)).toMatch(/2 trang|2 pages/);
        expect(await consent.$eval('#document-notes', (el) => el.textContent)).not.toBe('');
        // The first page, drawn by pdf.js at the window's width: the page's text leaves dark pixels on white.
        await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 20_000 });
        const preview = await consent.$eval('#preview', (el) => {
          const canvas = el as HTMLCanvasElement;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let dark = 0;
          let white = 0;
          for (let i = 0; i < data.length; i += 4) {
            const sum = data[i]! + data[i + 1]! + data[i + 2]!;
            if (sum < 300) dark++;
            else if (sum > 750) white++;
          }
          return { rendered: canvas.dataset.rendered, dark, white, ratio: canvas.height / canvas.width };
        });
        expect(preview.rendered).toBe('true');
        // The band is 451 × 60 pt of a 595-pt-wide page drawn at least 200 px wide: at least about 150 × 20 px.
        expect(preview.dark).toBeGreaterThan(2000);
        expect(preview.white).toBeGreaterThan(preview.dark * 10);
        expect(preview.ratio).toBeCloseTo(842 / 595, 1); // A4 portrait
        // The stamp's box, outlined at the top right of page 1, 14 pt (about 5 mm) in from the edges.
        const stamp = await outlineOnPage(consent);
        expect(stamp.hidden).toBe(false);
        expect(stamp.right).toBeCloseTo((595 - 14) / 595, 2);
        expect(stamp.top).toBeCloseTo(14 / 842, 2);
        expect(stamp.left).toBeGreaterThan(0.5);
        await chooseCertificate(consent, '01');
        await screenshot(consent, 'consent-pdf');
      },
    );
    expect(stamped.ok, JSON.stringify(stamped)).toBe(true);
    const first = new Uint8Array(Buffer.from(stamped.pdf, 'base64'));
    expect(Buffer.from(first.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true); // incremental update
    const firstFile = writePdf(dir, 'stamped.pdf', first);
    const once = pdfsig(firstFile, nssDb);
    expect(once.signatures, once.output).toHaveLength(1);
    expect(once.signatures[0]!.valid && once.signatures[0]!.trusted, once.output).toBe(true);
    expect(pdftotext(firstFile)).toContain('Số: 45/ĐĐN-UBND');
    // B-T: the CMS carries a signature time-stamp from the TSA in the settings.
    const verification = await verifyPdfSignatureCms(first, { timestampRoots: [new Uint8Array(tsa.caDer)] });
    expect(verification.timestamp, JSON.stringify(verification.problems)).toMatchObject({
      present: true,
      valid: true,
    });

    const rect = { x: 340, y: 90, width: 200, height: 80 };
    const imaged = await signInWindow(
      'signPdf',
      {
        pdf: stamped.pdf,
        name: 'don-de-nghi.pdf',
        description: 'Phê duyệt đơn',
        appearance: {
          kind: 'image',
          pageIndex: 1,
          rect,
          signatureImage: Buffer.from(blueSignaturePng()).toString('base64'),
        },
      },
      '02',
      async (consent) => {
        // The image, named as the site's, and its box on page 2 — outlined there, not on page 1.
        expect(await consent.$eval('#appearance', (el) => (el as HTMLElement).dataset.page)).toBe('2');
        await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 20_000 });
        // The image came with the document's content; listed once it has loaded.
        await consent.waitForFunction(
          () => document.querySelector<HTMLImageElement>('#appearance-images img')?.complete,
        );
        expect(
          await consent.$$eval('#appearance-images li', (els) =>
            els.map((el) => ({
              source: el.dataset.source,
              text: el.textContent,
              image: el.querySelector('img')?.naturalWidth,
            })),
          ),
        ).toEqual([{ source: 'site', text: 'Signature image sent by the website', image: 300 }]);
        expect(await consent.$eval('#appearance-outline', (el) => (el as HTMLElement).hidden)).toBe(true);
        await consent.click('#appearance-show');
        await consent.waitForSelector('#preview[data-page="2"][data-rendered="true"]', { timeout: 20_000 });
        const box = await outlineOnPage(consent);
        expect(box.hidden).toBe(false);
        expect(box.left).toBeCloseTo(rect.x / 595, 2);
        expect(box.right).toBeCloseTo((rect.x + rect.width) / 595, 2);
        expect(box.top).toBeCloseTo(1 - (rect.y + rect.height) / 842, 2);
        expect(box.bottom).toBeCloseTo(1 - rect.y / 842, 2);
        expect(box.images).toEqual([{ role: 'signature', loaded: 300 }]);
        await screenshot(consent, 'consent-pdf-appearance');
      },
    );
    expect(imaged.ok, JSON.stringify(imaged)).toBe(true);
    const secondFile = writePdf(dir, 'twice.pdf', new Uint8Array(Buffer.from(imaged.pdf, 'base64')));
    const twice = pdfsig(secondFile, nssDb);
    expect(twice.signatures, twice.output).toHaveLength(2);
    for (const s of twice.signatures) expect(s.valid && s.trusted, twice.output).toBe(true);
    expect(countPixels(renderPage(secondFile, 2), rect, isBlue)).toBeGreaterThan(200);

    const tampered = new Uint8Array(Buffer.from(imaged.pdf, 'base64'));
    tampered[7] = tampered[7] === 0x37 ? 0x36 : 0x37; // the header's version digit, inside both ranges
    const report = pdfsig(writePdf(dir, 'tampered.pdf', tampered), nssDb);
    expect(
      report.signatures.every((s) => !s.valid),
      report.output,
    ).toBe(true);
  });

  it('HTKK tax return: the window summarises it; xmlsec1 verifies the result and refuses a changed amount', async () => {
    const result = await signInWindow(
      'signXml',
      {
        xml: HTKK,
        profile: 'htkk',
        name: 'tk-01gtgt-10-2026.xml',
        description: 'Tờ khai 01/GTGT kỳ 10/2026',
        lang: 'vi',
      },
      '01',
      async (consent) => {
        expect(await consent.$eval('#document-kind', (el) => (el as HTMLElement).dataset.kind)).toBe('xml');
        expect(await consent.$eval('dd[data-field="taxpayerId"]', (el) => el.textContent)).toBe('0101234567');
        expect(await consent.$eval('dd[data-field="taxPeriod"]', (el) => el.textContent)).toBe('10/2026');
        expect(await consent.$eval('dd[data-field="taxForm"]', (el) => el.textContent)).toContain('01/GTGT');
      },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.xml).toContain('<CKyDTu>');
    const verified = xmlsecVerifyTokenCa(result.xml, 'htkk.xml');
    expect(verified.ok, verified.output).toBe(true);
    const changed = result.xml.replace('<mst>0101234567</mst>', '<mst>0101234568</mst>');
    expect(changed).not.toBe(result.xml);
    expect(xmlsecVerifyTokenCa(changed, 'htkk-changed.xml').ok).toBe(false);
  });

  it("a real HTKK return with appendices and an mst in its body: the window shows the header's taxpayer, the table the body's mst by its path; xmlsec1 verifies", async () => {
    const xml = REAL_HTKK_NAMES_AFTER_HEADER['an mst in the body (08-MST)'];
    const result = await signInWindow(
      'signXml',
      { xml, profile: 'htkk', name: 'bctc-2024.xml', description: 'Báo cáo tài chính 2024', lang: 'vi' },
      '01',
      async (consent) => {
        expect(await consent.$eval('dd[data-field="taxpayerId"]', (el) => el.textContent)).toBe('0401985971');
        expect(await consent.$eval('dd[data-field="taxForm"]', (el) => el.textContent)).toBe(
          'Bộ báo cáo tài chính (B01a - DNN)(TT133/2016/TT-BTC)',
        );
        await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
        await clickInView(consent, '#xml-toggle');
        const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
          trs.map((tr) => Array.from(tr.children, (td) => (td as HTMLElement).innerText)),
        );
        expect(rows).toContainEqual(['HSoKhaiThue/CTieuTKhaiChinh/mst', '0100109106']);
        expect(rows).toContainEqual(['HSoKhaiThue/TTinChung/TTinTKhaiThue/NNT/mst', '0401985971']);
      },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const verified = xmlsecVerifyTokenCa(result.xml, 'bctc-real.xml');
    expect(verified.ok, verified.output).toBe(true);
  });

  it("a real invoice the tax office coded and signed, co-signed by its buyer: the window shows the invoice's own seller, buyer and total, not the tax office's code (outside what the buyer signs); xmlsec1 verifies all three signatures", async () => {
    const xml = REAL_EINVOICE_CODED;
    const result = await signInWindow(
      'signXml',
      {
        xml,
        profile: 'einvoice-buyer',
        name: 'hd-c21tct-14.xml',
        description: 'Hoá đơn C21TCT số 14',
        lang: 'vi',
      },
      '01',
      async (consent) => {
        const field = (name: string) => consent.$eval(`dd[data-field="${name}"]`, (el) => el.textContent);
        expect(await field('sellerId')).toBe('0106324653');
        expect(await field('buyerName')).toBe('Công ty test');
        expect(await field('buyerId')).toBe('0106322455');
        expect(await field('invoiceTotal')).toBe('1284000 đ');
        await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
        await clickInView(consent, '#xml-toggle');
        const cells = await consent.$$eval('#xml-table tbody td', (tds) =>
          tds.map((td) => (td as HTMLElement).innerText),
        );
        expect(cells).toContain('Ve SG DN'); // an item line, from the signed DLHDon
        expect(cells.join('\n')).not.toContain('00474597512BE94B7BAB367996EF464828'); // MCCQT: not signed here
      },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.xml).toMatch(/<NBan><Signature[^]*<NMua><Signature[^]*<CQT><Signature/);
    for (const at of [1, 2, 3]) {
      const verified = xmlsecSignatureIntact(dir, result.xml, 'coded-buyer.xml', at);
      expect(verified.ok, `#${at}: ${verified.output}`).toBe(true);
    }
  });

  it('a tax return names its taxpayer: the window chooses the one certificate with that tax code and marks the others; filed by a tax agent, the agent’s', async () => {
    /** Each usable certificate (by key id: the list's order is the host's), whether it is checked, and what its row says of the tax code. */
    const choice = async (consent: Page) =>
      (
        await consent.$$eval('#certificates input[name="certificate"]', (radios) =>
          radios.map((radio) => ({
            key: radio.value.split('/').at(-1)!,
            checked: radio.checked,
            mismatch: radio.closest('label')!.querySelector('.party-mismatch')?.textContent ?? null,
          })),
        )
      ).sort((a, b) => a.key.localeCompare(b.key));
    // The company's certificate (key 02) carries MST 0312345678; keys 01 and 05 are two people's.
    const ownReturn = HTKK.replace('<mst>0101234567</mst>', '<mst>0312345678</mst>');
    const signed = await signInWindow(
      'signXml',
      {
        xml: ownReturn,
        profile: 'htkk',
        name: 'tk-01gtgt-10-2026.xml',
        description: 'Tờ khai 01/GTGT kỳ 10/2026',
        lang: 'vi',
      },
      '02',
      async (consent) => {
        expect(await choice(consent)).toEqual([
          { key: '01', checked: false, mismatch: expect.stringContaining('(0312345678)') },
          { key: '02', checked: true, mismatch: null },
          { key: '05', checked: false, mismatch: expect.stringContaining('(0312345678)') },
        ]);
        expect((await choice(consent))[0]!.mismatch).toMatch(/^Không mang mã số thuế của tài liệu/);
        expect(await drawn(consent, 'label:has(input[value$="/01"]) .party-mismatch')).toBe(true);
        // A row made tall by its note keeps its radio beside the holder's name, round (not stretched to the row).
        const radio = await consent.$eval('input[name="certificate"][value$="/01"]', (input) => {
          const { top, width, height } = input.getBoundingClientRect();
          const name = input.closest('label')!.querySelector('.holder')!.getBoundingClientRect();
          return { box: { top, width, height }, name: { top: name.top, bottom: name.bottom } };
        });
        expect(radio.box.height).toBeLessThan(radio.box.width * 1.5);
        const middle = radio.box.top + radio.box.height / 2;
        expect(middle).toBeGreaterThan(radio.name.top);
        expect(middle).toBeLessThan(radio.name.bottom);
        await screenshot(consent, 'consent-tax-return');
      },
    );
    expect(signed.ok, JSON.stringify(signed)).toBe(true);
    const verified = xmlsecVerifyTokenCa(signed.xml, 'htkk-own.xml');
    expect(verified.ok, verified.output).toBe(true);

    // Another company's return, filed by the tax agent whose certificate is key 02.
    const agentsReturn = HTKK.replace(
      '</NNT>',
      '</NNT><DLyThue><mstDLyThue>0312345678</mstDLyThue><tenDLyThue>Công ty TNHH Ký Số Việt</tenDLyThue></DLyThue>',
    );
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signXml', {
        xml: agentsReturn,
        profile: 'htkk',
        description: 'Tờ khai của khách hàng',
        lang: 'en',
      }),
    );
    expect(await consent.$eval('dd[data-field="taxAgentId"]', (el) => el.textContent)).toBe('0312345678');
    expect(await choice(consent)).toEqual([
      { key: '01', checked: false, mismatch: expect.stringContaining('(0101234567, 0312345678)') },
      { key: '02', checked: true, mismatch: null },
      { key: '05', checked: false, mismatch: expect.stringContaining('(0101234567, 0312345678)') },
    ]);
    expect((await choice(consent))[0]!.mismatch).toMatch(/^Does not carry the document’s tax code/);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });

    // The original return names a company none of these certificates is: nothing is chosen for the user.
    const other = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signXml', { xml: HTKK, profile: 'htkk', description: 'Tờ khai', lang: 'vi' }),
    );
    const rows = await choice(other);
    expect(rows.map((row) => [row.checked, row.mismatch !== null])).toEqual([
      [false, true],
      [false, true],
      [false, true],
    ]);
    await clickClosingWindow(other, '#cancel');
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('e-invoice with an EC key and an HTKK return in rsa-sha1, in one batch with a CAdES-T digest: each verified', async () => {
    const content = Buffer.from('Biên bản nghiệm thu số 7/2026\n');
    const digest = (await import('node:crypto')).createHash('sha256').update(content).digest('base64');
    const result = await signInWindow(
      'signMany',
      {
        description: 'Hoá đơn, tờ khai và biên bản tháng 11/2026',
        documents: [
          { kind: 'xml', xml: EINVOICE, profile: 'einvoice', name: 'hoa-don-1234.xml' },
          {
            kind: 'xml',
            xml: HTKK,
            profile: 'htkk',
            name: 'tk-sha1.xml',
            digestAlgorithm: 'SHA-1',
            allowSha1: true,
          },
          { kind: 'cms', digest, digestAlgorithm: 'SHA-256', name: 'bien-ban.txt', timestamp: true },
        ],
      },
      '02',
      async (consent) => {
        expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('3');
        expect(await consent.$eval('#document-notes', (el) => el.textContent)).toMatch(/SHA-1/);
      },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const [invoice, sha1, cms] = result.results;
    expect(invoice.ok, JSON.stringify(invoice)).toBe(true);
    expect(invoice.xml).toContain('ecdsa-sha256');
    const verified = xmlsecVerifyTokenCa(invoice.xml, 'einvoice.xml');
    expect(verified.ok, verified.output).toBe(true);
    expect(
      xmlsecVerifyTokenCa(
        invoice.xml.replace('<TgTTTBSo>21450000</TgTTTBSo>', '<TgTTTBSo>2145000</TgTTTBSo>'),
        'einvoice-changed.xml',
      ).ok,
    ).toBe(false);
    // rsa-sha1 needs an RSA key: with the EC key the document fails alone, the others are signed.
    expect(sha1).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(cms.ok, JSON.stringify(cms)).toBe(true);
    const cmsBytes = Buffer.from(cms.cms, 'base64');
    expect(opensslCmsVerify({ cms: cmsBytes, content, caFile: session.token.caPem }).ok).toBe(true);
    expect(
      (await verifyCms({ cms: cmsBytes, content, timestampRoots: [new Uint8Array(tsa.caDer)] })).timestamp,
    ).toMatchObject({ present: true, valid: true });

    // The buyer co-signs the seller's invoice (key 01): the window says so; both signatures verify.
    const coSigned = await signInWindow(
      'signXml',
      {
        xml: invoice.xml,
        profile: 'einvoice-buyer',
        description: 'Hoá đơn số 1234 — bên mua ký',
        lang: 'vi',
      },
      '01',
      async (consent) => {
        expect(await consent.$eval('#document-kind', (el) => el.textContent)).toBe(
          'Hoá đơn điện tử (XML) — bạn ký với tư cách người mua',
        );
        expect(await consent.$eval('dd[data-field="buyerName"]', (el) => el.textContent)).not.toBe('');
      },
    );
    expect(coSigned.ok, JSON.stringify(coSigned)).toBe(true);
    for (const slot of ['NBan', 'NMua']) {
      const both = xmlsecVerify(
        dir,
        coSigned.xml,
        session.token.caPem,
        `einvoice-both-${slot}.xml`,
        undefined,
        `//*[local-name()='${slot}']/*[local-name()='Signature']`,
      );
      expect(both.ok, `${slot}: ${both.output}`).toBe(true);
    }

    const rsaSha1 = await signInWindow(
      'signXml',
      {
        xml: HTKK,
        profile: 'htkk',
        description: 'Tờ khai (SHA-1)',
        digestAlgorithm: 'SHA-1',
        allowSha1: true,
      },
      '01',
    );
    expect(rsaSha1.ok, JSON.stringify(rsaSha1)).toBe(true);
    expect(rsaSha1.xml).toContain('xmldsig#rsa-sha1');
    const verifiedSha1 = xmlsecVerifyTokenCa(rsaSha1.xml, 'htkk-sha1.xml');
    expect(verifiedSha1.ok, verifiedSha1.output).toBe(true);
  });

  it('refused before any window: a document that does not fit its profile, SHA-1 without allowSha1, a PDF appearance image that is no PNG or JPEG, a time-stamp without a TSA', async () => {
    await sdkCall(page, 'signXml', { xml: EINVOICE, profile: 'htkk', description: 'sai loại' });
    expect(await outcome(page)).toMatchObject({
      ok: false,
      code: 'XML_NOT_ACCEPTED',
      details: { document: 0, problem: 'PROFILE_MISMATCH' },
    });
    await sdkCall(page, 'signXml', {
      xml: HTKK,
      profile: 'htkk',
      description: 'SHA-1',
      digestAlgorithm: 'SHA-1',
    });
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    await sdkCall(page, 'signPdf', { pdf: Buffer.from('not a pdf').toString('base64'), description: 'x' });
    expect(await outcome(page)).toMatchObject({
      ok: false,
      code: 'PDF_DAMAGED',
      details: { document: 0, problem: 'not-pdf' },
    });
    // A GIF as the signature image: refused with its field before any window (it failed after the PIN).
    const gif = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0x3b]).toString(
      'base64',
    );
    await sdkCall(page, 'signPdf', {
      pdf: Buffer.from(await applicationPdf()).toString('base64'),
      description: 'GIF',
      appearance: { kind: 'image', rect: { x: 10, y: 10, width: 100, height: 50 }, signatureImage: gif },
    });
    expect(await outcome(page)).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
      details: { document: 0, field: 'appearance.signatureImage' },
    });
    await setTsa(undefined);
    try {
      await sdkCall(page, 'signCms', {
        digest: Buffer.alloc(32, 1).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'x',
        timestamp: true,
      });
      expect(await outcome(page)).toMatchObject({ ok: false, code: 'TSA_NOT_CONFIGURED' });
    } finally {
      await setTsa(tsa.url);
    }
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  });
});
