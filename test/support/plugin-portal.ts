/** The demo plugin portals (demo/public/*-portal.html) write each plugin answer into #raw. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { opensslVerifyRawSignature } from './openssl.js';
import { makeNssDb, pdfsig, writePdf } from './pdf-tools.js';
import { onePagePdf } from './sample-pdf.js';
import { xmlsecVerify } from './xmlsec.js';

/** The next answer in #raw: waits until its text is there and differs from `previous`. */
export async function nextRawAnswer(page: Page, previous = ''): Promise<string> {
  await page.waitForFunction(
    (before) => {
      const text = document.getElementById('raw')!.textContent;
      return text && text !== before;
    },
    { timeout: 60_000 },
    previous,
  );
  return page.$eval('#raw', (el) => el.textContent);
}

/** Sets a form field of the demo portal, as a person pasting a value would leave it. */
export function setFieldValue(page: Page, selector: string, value: string): Promise<string> {
  return page.$eval(selector, (el, v) => ((el as HTMLInputElement).value = v), value);
}

/**
 * The files the demo VGCA portal's calls name by address (/files/…): a one-page PDF, an HTKK tax
 * return, an e-invoice, and a text file kyso does not sign.
 */
export async function vgcaPortalFiles(): Promise<Record<string, Uint8Array>> {
  return {
    'cong-van.pdf': await onePagePdf('Cong van so 123'),
    'to-khai.xml': readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url)),
    'hoa-don.xml': readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url)),
    'ghi-chu.txt': new TextEncoder().encode('not a document kyso signs'),
  };
}

/** A new tab on a demo plugin portal. */
export async function openPluginPortal(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

/**
 * The demo portal's last upload, a PDF whose signature pdfsig finds valid and trusted (the test CA
 * in its NSS database); its file, for checks of what it shows.
 */
export function uploadedSignedPdf(uploads: Array<{ bytes: Uint8Array }>, caPem: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-plugin-upload-'));
  const file = writePdf(dir, 'signed.pdf', uploads.at(-1)!.bytes);
  const report = pdfsig(file, makeNssDb(dir, [caPem]));
  expect(report.signatures[0]?.valid && report.signatures[0]?.trusted, report.output).toBe(true);
  return file;
}

/** The demo portal's last upload: a signed PDF (uploadedSignedPdf) in the VGCA tool's multipart field. */
export function expectUploadedPdfSigned(
  uploads: Array<{ field: string; bytes: Uint8Array }>,
  caPem: string,
): void {
  expect(uploads.at(-1)!.field).toBe('uploadfile');
  uploadedSignedPdf(uploads, caPem);
}

/**
 * vgca_sign_msg in hash mode, the page's answer: Status 0, certificate 01, and a bare signature of
 * `content` that openssl verifies with that certificate.
 */
export function expectVgcaHashSignature(
  reply: Record<string, any>,
  content: Uint8Array,
  token: { certDer(id: string): Buffer; certPemPath(id: string): string },
): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ Status: 0 });
  expect(reply.CertBase64).toBe(token.certDer('01').toString('base64'));
  const verify = opensslVerifyRawSignature({
    certificatePem: token.certPemPath('01'),
    content,
    signature: Buffer.from(reply.Signature, 'base64'),
  });
  expect(verify.output).toContain('Verified OK');
}

/** vgca_sign_files' uploads: the PDF first, which pdfsig finds valid, then XML files xmlsec1 verifies. */
export function expectSignedFilesUploaded(
  uploads: Array<{ name: string; bytes: Uint8Array }>,
  caPem: string,
): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-plugin-files-'));
  expect(
    pdfsig(writePdf(dir, 'cong-van.pdf', uploads[0]!.bytes), makeNssDb(dir, [caPem])).signatures[0]?.valid,
  ).toBe(true);
  for (const upload of uploads.slice(1)) {
    const run = xmlsecVerify(dir, upload.bytes, caPem, upload.name);
    expect(run.ok, `${upload.name}: ${run.output}`).toBe(true);
  }
}
