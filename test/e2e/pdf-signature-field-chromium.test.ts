/**
 * signPdf({ field }) through the whole path in Chromium: a portal's form with empty signature fields
 * (test/fixtures/signature-fields/form.pdf) signed into "TiepNhan.CanBo". The consent window says
 * the signature goes into the document's own field, named as the document has it, on page 2, and
 * outlines the field's box there; pdfsig finds the signature valid under that field's name, with
 * no field added. The field its lock covers is said to be locked by the signature, not editable
 * after it. A text field named instead is refused before any window. Real PDFs other software signed
 * (test/fixtures/third_party/signed-pdfs): signed after Acrobat Reader's two signatures, which the
 * window names; certified with "no changes" by Adobe PDF Library, refused before any window.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, type PDFContext } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { chooseCertificate, consentWarnings, signInConsent } from '../support/consent.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { makeNssDb, pdfsig, pdftotext, writePdf } from '../support/pdf-tools.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { addSignerUnderLicensedCa } from '../support/token.js';

const FORM = readFileSync(new URL('../fixtures/signature-fields/form.pdf', import.meta.url)).toString(
  'base64',
);

/** A field of the AcroForm's /Fields by its name (/T), to write a seed value into it. */
function topLevelField(doc: PDFDocument, name: string): PDFDict {
  const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
  return fields
    .asArray()
    .map((item) => doc.context.lookup(item, PDFDict))
    .find((field) => field.lookup(PDFName.of('T'))?.toString() === `(${name})`)!;
}

describe('signPdf into the form’s own signature field (Chromium)', () => {
  let session: PortalSession;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-e2e-sig-field-'));
    session = await startPortalSession();
    page = await session.openPortal();
  });
  /** One NSS database for the file's tests (certutil -N asks for a password on an existing one). */
  let nss: string | undefined;
  const nssDb = () => (nss ??= makeNssDb(dir, [session.token.caPem]));
  /**
   * The consent window for signing into NguoiDeNghi, given the certificate seed value `cert`
   * (/SV /Cert), written by pdf-lib (whole save) into the Ghostscript form.
   */
  const seededFieldWindow = async (cert: (context: PDFContext) => PDFDict) => {
    const doc = await PDFDocument.load(Buffer.from(FORM, 'base64'));
    const seed = doc.context.obj({ Type: 'SV', Cert: cert(doc.context) });
    topLevelField(doc, 'NguoiDeNghi').set(PDFName.of('SV'), seed);
    const pdf = Buffer.from(await doc.save({ useObjectStreams: false })).toString('base64');
    return consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signPdf', {
        pdf,
        name: 'don.pdf',
        description: 'Người đề nghị ký',
        lang: 'en',
        field: 'NguoiDeNghi',
      }),
    );
  };
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the window names the field and its page from the document and outlines its box; pdfsig finds the signature in that field', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signPdf', {
        pdf: FORM,
        name: 'don-de-nghi.pdf',
        description: 'Tiếp nhận hồ sơ',
        lang: 'en',
        field: 'TiepNhan.CanBo',
        appearance: { kind: 'image', signatureImage: Buffer.from(blueSignaturePng()).toString('base64') },
      }),
    );
    expect(
      await consent.$eval('#signature-field', (el) => ({
        hidden: (el as HTMLElement).hidden,
        page: (el as HTMLElement).dataset.page,
        where: el.querySelector('#signature-field-where')?.textContent,
        name: el.querySelector('#signature-field-name')?.textContent,
      })),
    ).toEqual({
      hidden: false,
      page: '2',
      where: 'Signs into the document’s own signature field, on page 2, named:',
      name: 'TiepNhan.CanBo',
    });
    expect(await consent.$eval('#appearance', (el) => (el as HTMLElement).dataset.page)).toBe('2');
    await consent.waitForSelector('#preview[data-rendered="true"]', { timeout: 20_000 });
    await consent.click('#appearance-show');
    await consent.waitForSelector('#preview[data-page="2"][data-rendered="true"]', { timeout: 20_000 });
    const box = await consent.evaluate(() => {
      const canvas = document.getElementById('preview')!.getBoundingClientRect();
      const outline = document.getElementById('appearance-outline')!;
      const r = outline.getBoundingClientRect();
      return {
        hidden: outline.hidden,
        left: (r.left - canvas.left) / canvas.width,
        top: (r.top - canvas.top) / canvas.height,
      };
    });
    // The field's widget box, 300 260 540 340 on a 595 × 842 page.
    expect(box.hidden).toBe(false);
    expect(box.left).toBeCloseTo(300 / 595, 2);
    expect(box.top).toBeCloseTo(1 - 340 / 842, 2);

    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(await consentWindowOpen(session.browser)).toBe(false);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const signed = writePdf(dir, 'signed.pdf', new Uint8Array(Buffer.from(result.pdf, 'base64')));
    const report = pdfsig(signed, nssDb());
    expect(
      report.signatures.map((s) => /Signature Field Name: (.*)/.exec(s.text)?.[1]),
      report.output,
    ).toEqual(['NguoiDeNghi', 'TiepNhan.CanBo']);
    expect(report.signatures[1]!.valid && report.signatures[1]!.trusted, report.output).toBe(true);
  });

  it('without an image the window says kyso writes the signer and the time in the field’s box; the signed box shows them', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signPdf', {
        pdf: FORM,
        name: 'don-de-nghi.pdf',
        description: 'Người đề nghị ký',
        lang: 'en',
        field: 'NguoiDeNghi',
      }),
    );
    expect(
      await consent.$eval('#appearance', (el) => ({
        hidden: (el as HTMLElement).hidden,
        page: (el as HTMLElement).dataset.page,
        title: el.querySelector('#appearance-title')?.textContent,
        label: el.querySelector('#appearance-lines-label')?.textContent,
        lines: [...el.querySelectorAll('#appearance-lines li')].map((li) => li.textContent),
        slots: [...el.querySelectorAll('#appearance-lines .slot')].map(
          (slot) => (slot as HTMLElement).dataset.slot,
        ),
      })),
    ).toEqual({
      hidden: false,
      page: '2',
      title: 'Visible signature: kyso writes who signed and when in the document’s signature box',
      label: 'Lines kyso prints in the signature box',
      lines: ['Ký bởi: ⟨the signer’s name on the certificate you choose⟩', 'Ngày ký: ⟨signing time⟩'],
      slots: ['signer', 'time'],
    });
    // NguoiDeNghi's lock (Include HoTen): HoTen is said to be locked by this signature, not editable after it.
    const warnings = await consentWarnings(consent);
    expect(warnings.filter((w) => w.code!.startsWith('pdf-form-fields'))).toEqual([
      {
        code: 'pdf-form-fields-locked',
        text: expect.stringContaining(
          'This signature locks these form fields: after signing they are read-only, and changing them invalidates the signature.',
        ) as string,
        names: ['HoTen'],
      },
    ]);
    // Once a certificate is chosen, the name the box will show is its holder's, and follows the choice.
    const lines = () => consent.$$eval('#appearance-lines li', (items) => items.map((li) => li.textContent));
    await chooseCertificate(consent, '02');
    expect(await lines()).toEqual(['Ký bởi: Công ty TNHH Ký Số Việt', 'Ngày ký: ⟨signing time⟩']);
    await signInConsent(consent, '01', session.token.pin);
    expect(await lines()).toEqual(['Ký bởi: Nguyễn Văn Ân', 'Ngày ký: ⟨signing time⟩']);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const signed = writePdf(dir, 'signed-text.pdf', new Uint8Array(Buffer.from(result.pdf, 'base64')));
    expect(pdftotext(signed, 2)).toMatch(/Ký bởi: Nguyễn Văn Ân\nNgày ký: \d\d:\d\d:\d\d \d\d\/\d\d\/\d{4}/);
    const report = pdfsig(signed, nssDb());
    expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);
  });

  /** A PDF other software signed (test/fixtures/third_party/signed-pdfs), as base64. */
  const signedElsewhere = (name: string) =>
    readFileSync(new URL(`../fixtures/third_party/signed-pdfs/${name}`, import.meta.url)).toString('base64');

  it('a real PDF Acrobat Reader signed twice: the window names both signatures among its warnings; kyso signs after them and pdfsig finds all three valid', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signPdf', {
        pdf: signedElsewhere('pyhanko-acrobat-two-signatures.pdf'),
        name: 'hai-chu-ky.pdf',
        description: 'Ký sau hai người',
        lang: 'en',
      }),
    );
    const warnings = await consentWarnings(consent);
    expect(warnings.filter((w) => w.code === 'pdf-existing-signatures')).toEqual([
      {
        code: 'pdf-existing-signatures',
        text: expect.stringContaining('Already carries other signatures.') as string,
        names: ['Sig1', 'Sig2'],
      },
    ]);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const signed = writePdf(dir, 'after-acrobat.pdf', new Uint8Array(Buffer.from(result.pdf, 'base64')));
    const report = pdfsig(signed, nssDb());
    expect(
      report.signatures.map((s) => s.valid),
      report.output,
    ).toEqual([true, true, true]);
    expect(report.signatures.filter((s) => s.trusted).map((s) => s.signer)).toEqual(['Nguyễn Văn Ân']);
  });

  it('a real PDF Adobe PDF Library certified with "no changes": PDF_CERTIFIED before any window', async () => {
    await sdkCall(page, 'signPdf', {
      pdf: signedElsewhere('pdfcpu-adobe-certified-no-changes.pdf'),
      description: 'Tài liệu đã chứng nhận',
    });
    expect(await sdkOutcome(page)).toMatchObject({
      ok: false,
      code: 'PDF_CERTIFIED',
      details: { document: 0, problem: 'certified-no-changes' },
    });
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a text field named as the signature field: BAD_REQUEST before any window', async () => {
    await sdkCall(page, 'signPdf', { pdf: FORM, description: 'Họ tên', field: 'HoTen' });
    expect(await sdkOutcome(page)).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
      details: { document: 0, field: 'field', problem: 'field-not-signature' },
    });
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a field whose seed value requires another SubFilter: BAD_REQUEST naming it, before any window', async () => {
    const doc = await PDFDocument.load(Buffer.from(FORM, 'base64'));
    const nguoi = topLevelField(doc, 'NguoiDeNghi');
    nguoi.set(PDFName.of('SV'), doc.context.obj({ Ff: 2, SubFilter: ['adbe.pkcs7.detached'] }));
    const pdf = Buffer.from(await doc.save({ useObjectStreams: false })).toString('base64');
    await sdkCall(page, 'signPdf', { pdf, description: 'Người đề nghị ký', field: 'NguoiDeNghi' });
    expect(await sdkOutcome(page)).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
      details: { document: 0, field: 'field', problem: 'field-seed-value', constraint: 'SubFilter' },
    });
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a field whose seed value accepts only key 01 (/Cert /Subject required): key 02 is listed as unusable with the reason, 01 marked for the hint it misses, and signs', async () => {
    // Subject required, SubjectDN a hint.
    const consent = await seededFieldWindow((context) =>
      context.obj({
        Type: 'SVCert',
        Ff: 1,
        Subject: [PDFHexString.of(session.token.certDer('01').toString('hex'))],
        SubjectDN: [{ O: PDFHexString.fromText('Công ty TNHH Ký Số Việt') }],
      }),
    );
    await consent.waitForSelector('input[name="certificate"][value$="/01"]');
    const row = (id: string) =>
      consent.$eval(`input[name="certificate"][value$="/${id}"]`, (radio) => {
        const label = radio.closest('label')!;
        return {
          list: label.parentElement!.closest('[id]')!.id,
          disabled: radio.disabled,
          problem: label.querySelector('.problem')?.textContent ?? null,
          hint: label.querySelector('.field-hint')?.textContent ?? null,
        };
      });
    expect(await row('02')).toEqual({
      list: 'unusable-certificates',
      disabled: true,
      problem: 'The document’s signature field accepts only the certificates it lists, and not this one',
      hint: null,
    });
    expect(await row('01')).toEqual({
      list: 'certificates',
      disabled: false,
      problem: null,
      hint: 'Its subject is not the one the document’s signature field suggests (it can still sign)',
    });
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const signed = writePdf(dir, 'signed-seed.pdf', new Uint8Array(Buffer.from(result.pdf, 'base64')));
    const report = pdfsig(signed, nssDb());
    expect(/Signature Field Name: (.*)/.exec(report.signatures[0]!.text)?.[1], report.output).toBe(
      'NguoiDeNghi',
    );
    expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);
  });

  it('a field whose seed value requires the root as issuer (/Cert /Issuer): a signer under a licensed CA its token holds is offered and signs, and pdfsig trusting only the root accepts it', async () => {
    const work = path.join(dir, 'licensed-ca');
    mkdirSync(work);
    addSignerUnderLicensedCa(session.token, work, {
      id: '08',
      caId: 'c8',
      subject: '/C=VN/CN=Phạm Thị Chi/UID=CCCD:079200001234',
    });
    const consent = await seededFieldWindow((context) =>
      context.obj({
        Type: 'SVCert',
        Ff: 2,
        Issuer: [PDFHexString.of(session.token.caDer().toString('hex'))],
      }),
    );
    await consent.waitForSelector('input[name="certificate"][value$="/08"]');
    // Offered as a certificate the field accepts (its CA's issuer is the root the field names), as is 01 (the root's own).
    const listIn = (id: string) =>
      consent.$eval(`input[name="certificate"][value$="/${id}"]`, (radio) => ({
        list: radio.closest('label')!.parentElement!.closest('[id]')!.id,
        disabled: radio.disabled,
      }));
    expect(await listIn('08')).toEqual({ list: 'certificates', disabled: false });
    expect(await listIn('01')).toEqual({ list: 'certificates', disabled: false });
    // Signed: the document was prepared for it after the PIN, with the CA begin-batch reported.
    await signInConsent(consent, '08', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const signed = writePdf(dir, 'signed-seed-issuer.pdf', new Uint8Array(Buffer.from(result.pdf, 'base64')));
    // Trusting only the root: the signature carries the CA the token holds.
    const report = pdfsig(signed, nssDb());
    expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);
    expect(report.output).toContain('Phạm Thị Chi');
  });
});
