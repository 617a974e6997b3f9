/** A page written against the VGCA plugin's globals, with kyso's shim loaded in place of the plugin. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import { makeNssDb, pdfsig, pdftotext, writePdf } from '../support/pdf-tools.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { signInConsent } from '../support/consent.js';

describe('VGCA-compatible shim', () => {
  let session: PortalSession;
  beforeAll(async () => {
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).drawText('Cong van so 123', { x: 72, y: 700, size: 18, font: await doc.embedFont(StandardFonts.Helvetica) });
    session = await startPortalSession(undefined, {
      'cong-van.pdf': await doc.save(),
      'to-khai.xml': readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url)),
      'hoa-don.xml': readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url)),
    });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('vgca_sign_msg returns Status 0 and an attached CMS of the message that openssl verifies', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () => page.click('#sign'));
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    await page.waitForFunction(() => (window as any).vgcaResult, { timeout: 30_000 });
    const result = await page.evaluate(() => (window as any).vgcaResult);
    expect(result.Status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-'));
    writeFileSync(path.join(dir, 'sig.p7m'), Buffer.from(result.Signature, 'base64'));
    const content = execFileSync(
      'openssl',
      ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.p7m'), '-CAfile', session.token.caPem, '-purpose', 'any'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    expect(content.toString('utf8')).toBe('Công văn số 123/UBND-VP ngày 22/11/2026');
  });

  it('a cancelled consent gives a non-zero Status with kyso’s error code; unsupported functions say so', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () => page.click('#sign'));
    await clickClosingWindow(consent, '#cancel');
    await page.waitForFunction(() => (window as any).vgcaResult, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as any).vgcaResult)).toMatchObject({ Status: 1, ErrorCode: 'USER_CANCELLED' });
    const unsupported = await page.evaluate(
      () =>
        new Promise((resolve) => (window as any).vgca_sign_json({}, '{"FileName":"https://x/y.pdf"}', (_: unknown, json: string) => resolve(JSON.parse(json)))),
    );
    expect(unsupported).toMatchObject({ Status: 2 });
  });

  /** Calls a vgca_* file function the way plugin pages do: (sender, JSON request, callback(sender, JSON)). */
  const callVgca = (page: Page, fn: string, request: object) =>
    page.evaluate(
      (fn, request) => {
        (window as any).vgcaResult = undefined;
        (window as any)[fn](document.body, JSON.stringify(request), (_: unknown, json: string) => ((window as any).vgcaResult = JSON.parse(json)));
      },
      fn,
      request,
    );
  const vgcaResult = async (page: Page) => {
    await page.waitForFunction(() => (window as any).vgcaResult, { timeout: 30_000 });
    return page.evaluate(() => (window as any).vgcaResult);
  };

  it('vgca_sign_pdf fetches FileName, signs in kyso’s window, uploads to FileUploadHandler; pdfsig accepts the upload; get_certinfo then names the signer', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const before = await page.evaluate(
      () => new Promise((resolve) => (window as any).vgca_get_certinfo({}, (_: unknown, json: string) => resolve(JSON.parse(json)))),
    );
    expect(before).toMatchObject({ Status: 2 }); // nothing about the user's certificates before a consented signature
    const consent = await consentWindowAfter(session.browser, () =>
      callVgca(page, 'vgca_sign_pdf', {
        FileUploadHandler: '/upload',
        SessionId: 'phien-42',
        JWTToken: 'jwt-abc',
        FileName: new URL('/files/cong-van.pdf', session.demo.url).href,
      }),
    );
    expect(await consent.$eval('#document-name', (el) => el.textContent)).toBe('cong-van.pdf');
    await signInConsent(consent, '02', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await vgcaResult(page);
    expect(result, JSON.stringify(result)).toMatchObject({ Status: 0, Message: '' });
    const uploaded = session.demo.uploads.at(-1)!;
    expect(result.FileServer).toBe(`/uploads/${session.demo.uploads.length}/cong-van.pdf`);
    expect(uploaded).toMatchObject({ name: 'cong-van.pdf', fields: { SessionId: 'phien-42', JWTToken: 'jwt-abc' }, authorization: 'Bearer jwt-abc' });
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-pdf-'));
    const report = pdfsig(writePdf(dir, 'uploaded.pdf', uploaded.bytes), makeNssDb(dir, [session.token.caPem]));
    expect(report.signatures[0]?.valid && report.signatures[0]?.trusted, report.output).toBe(true);
    const certInfo = await page.evaluate(
      () => new Promise((resolve) => (window as any).vgca_get_certinfo({}, (_: unknown, json: string) => resolve(JSON.parse(json)))),
    );
    expect(certInfo).toMatchObject({ Status: 0, CertInfo: { Base64: Buffer.from(session.token.certDer('02')).toString('base64') } });
  });

  it('vgca_sign_files: a tax return and an e-invoice with one consent (xmlsec1 accepts both uploads); vgca_sign_copy stamps a copy; a failing upload gives Status 1', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const files = ['to-khai.xml', 'hoa-don.xml'].map((f) => new URL(`/files/${f}`, session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () =>
      callVgca(page, 'vgca_sign_files', { FileUploadHandler: '/upload', FileName: files.join(';') }),
    );
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('2');
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await vgcaResult(page);
    expect(result, JSON.stringify(result)).toMatchObject({ Status: 0 });
    expect(result.FileServer.split(';')).toHaveLength(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-xml-'));
    for (const upload of session.demo.uploads.slice(-2)) {
      const file = path.join(dir, upload.name);
      writeFileSync(file, upload.bytes);
      const run = spawnSync(
        'xmlsec1',
        ['--verify', '--trusted-pem', session.token.caPem, '--id-attr:Id', 'DLHDon', '--id-attr:id', `${HTKK_NS}:HSoKhaiThue`, file],
        { encoding: 'utf8' },
      );
      expect(run.status, `${upload.name}: ${run.stderr}`).toBe(0);
    }

    // vgca_sign_copy: the Decree 30 text stamp for an electronic copy ("SAO Y", the copying organisation, the time).
    const copy = await consentWindowAfter(session.browser, () =>
      callVgca(page, 'vgca_sign_copy', {
        FileUploadHandler: '/upload',
        FileName: new URL('/files/cong-van.pdf', session.demo.url).href,
        MetaData: [{ Key: 'Organization', Value: 'Văn phòng UBND tỉnh' }],
      }),
    );
    await signInConsent(copy, '01', session.token.pin);
    await clickClosingWindow(copy, '#sign');
    expect(await vgcaResult(page)).toMatchObject({ Status: 0 });
    const copied = writePdf(dir, 'ban-sao.pdf', session.demo.uploads.at(-1)!.bytes);
    const text = pdftotext(copied);
    expect(text).toContain('SAO Y');
    expect(text).toContain('Văn phòng UBND tỉnh');
    expect(pdfsig(copied, makeNssDb(mkdtempSync(path.join(tmpdir(), 'kyso-vgca-nss-')), [session.token.caPem])).signatures[0]?.valid).toBe(true);

    const failing = await consentWindowAfter(session.browser, () =>
      callVgca(page, 'vgca_sign_xml', { FileUploadHandler: '/no-such-handler', FileName: files[0] }),
    );
    await signInConsent(failing, '01', session.token.pin);
    await clickClosingWindow(failing, '#sign');
    expect(await vgcaResult(page)).toMatchObject({ Status: 1, ErrorCode: 'BAD_REQUEST' });
  });
});
