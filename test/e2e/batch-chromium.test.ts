/**
 * signMany in real Chromium: 40 documents, one consent window, one PIN (after a wrong one), progress
 * to the page; a batch of PDFs, each item named with the page count of the bytes signed.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { signInConsent, signWithWrongPin } from '../support/consent.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { PdfWriter, firstRevision, textContent } from '../support/pdf-builder.js';
import { writePdf } from '../support/pdf-tools.js';
import { clickInView } from '../support/page-checks.js';
import { blankPagesPdf } from '../support/sample-pdf.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { sdkCall, sdkOutcome, sdkProgress } from '../support/sdk-call.js';

const documents = Array.from(
  { length: 40 },
  (_, i) => `Hoá đơn GTGT số ${String(i + 1).padStart(7, '0')} — Công ty TNHH Ký Số Việt\n`,
);
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

/**
 * A one-page document and an incremental update that adds a second page: the revision signed (the
 * whole file) has 2 pages, while its first revision's page tree, and the name the page gives it,
 * say 1.
 */
function pdfUpdatedToTwoPages(): Uint8Array {
  const w = new PdfWriter();
  const first = firstRevision(w, 'Phu luc - trang 1');
  w.table(
    [[0, null], ...[1, 2, 3, 4, 5].map((n): [number, number] => [n, first.get(n)!])],
    '/Size 6 /Root 1 0 R',
  );
  const pages = w.obj(2, '<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>');
  const page2 = w.obj(
    6,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>',
  );
  const contents2 = w.obj(7, textContent('Phu luc - trang 2'));
  w.table(
    [
      [2, pages],
      [6, page2],
      [7, contents2],
    ],
    '/Size 8 /Root 1 0 R',
  );
  return w.bytes();
}

/** Poppler's page count of a PDF (an independent reader of the bytes). */
function popplerPages(dir: string, name: string, bytes: Uint8Array): number {
  const info = execFileSync('pdfinfo', [writePdf(dir, name, bytes)], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
}

describe('batch signing in Chromium', () => {
  const session = useSharedSession(startPortalSession);

  it('signs 40 documents with one consent and one PIN, reporting progress', async () => {
    const { token } = session;
    const page = await session.openPortal();
    const docs = documents.map((text, i) => ({
      digest: sha256(text),
      digestAlgorithm: 'SHA-256',
      name: `hoa-don-${i + 1}.xml`,
      ...(i % 8 === 7 && { kind: 'raw' }),
    }));
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(
        page,
        'signMany',
        { documents: docs, description: '40 hoá đơn tháng 11/2026' },
        { progress: true },
      ),
    );
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('40');
    expect(await consent.$eval('#description', (el) => el.textContent)).toBe('40 hoá đơn tháng 11/2026');
    await signWithWrongPin(consent, '02', '000000');
    await signInConsent(consent, '02', token.pin);
    await clickClosingWindow(consent, '#sign');

    const result = await sdkOutcome(page);
    const progress = await sdkProgress(page);
    expect(await consentWindowOpen(session.browser)).toBe(false);

    expect(progress.at(-1)).toEqual([40, 40]);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
    expect(result.results).toHaveLength(40);
    const publicKey = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    for (const [i, item] of result.results.entries()) {
      expect(item.ok, JSON.stringify(item)).toBe(true);
      const content = Buffer.from(documents[i]!);
      if (i % 8 === 7) {
        expect(
          verify(
            'sha256',
            content,
            { key: publicKey, dsaEncoding: 'ieee-p1363' },
            Buffer.from(item.signature, 'base64'),
          ),
        ).toBe(true);
        continue;
      }
      const cms = Buffer.from(item.cms, 'base64');
      expect((await verifyCms({ cms, content })).problems).toEqual([]);
      if (i < 3) expect(opensslCmsVerify({ cms, content, caFile: token.caPem }).ok).toBe(true);
    }
    const tampered = Buffer.from(documents[0]!.replace('0000001', '0000002'));
    expect(
      opensslCmsVerify({
        cms: Buffer.from(result.results[0].cms, 'base64'),
        content: tampered,
        caFile: token.caPem,
      }).ok,
    ).toBe(false);
    await page.close();
  });

  it('signHash returns a bare RSA-PSS signature after consent', async () => {
    const { token } = session;
    const page = await session.openPortal();
    const data = 'Chuỗi JSON do cổng tự đóng gói {"hoSo":123}';
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signHash', {
        digest: sha256(data),
        digestAlgorithm: 'SHA-256',
        description: 'Ký chuỗi dữ liệu',
        rsaScheme: 'PSS',
      }),
    );
    await signInConsent(consent, '01', token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.signatureAlgorithm).toBe('RSASSA-PSS');
    const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify('sha256', Buffer.from(data), options, Buffer.from(result.signature, 'base64'))).toBe(true);
    expect(verify('sha256', Buffer.from(data + ' '), options, Buffer.from(result.signature, 'base64'))).toBe(
      false,
    );
    await page.close();
  });

  it('a batch of PDFs: each item, opened, is named with its page count as read from the bytes signed', async () => {
    const { token } = session;
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-batch-pages-'));
    try {
      // Distinct counts, so a count shown for the wrong item fails too; the updated one's name and
      // first revision say 1 page where the bytes signed have 2.
      const pdfs = [
        { name: 'to-trinh.pdf', bytes: await blankPagesPdf(3) },
        { name: 'phu-luc-1-trang.pdf', bytes: pdfUpdatedToTwoPages() },
        { name: 'quyet-dinh.pdf', bytes: await blankPagesPdf(1) },
      ];
      const counts = pdfs.map(({ name, bytes }) => popplerPages(dir, name, bytes));
      expect(counts).toEqual([3, 2, 1]);
      const page = await session.openPortal();
      const consent = await consentWindowAfter(session.browser, () =>
        sdkCall(page, 'signMany', {
          documents: pdfs.map(({ name, bytes }) => ({
            kind: 'pdf',
            name,
            pdf: Buffer.from(bytes).toString('base64'),
          })),
          description: 'Hồ sơ trình ký 3 văn bản',
        }),
      );
      // pdf.js has counted every PDF of the batch against kyso's model, without a refusal.
      await consent.waitForSelector('body:not([data-counting])', { timeout: 20_000 });
      expect(await consent.$eval('#error', (el) => (el as HTMLElement).hidden)).toBe(true);
      for (const [index, { name }] of pdfs.entries()) {
        // Read in the click's own task, before the item's content can come: nothing of the item
        // closed before (its page number, its drawn state) describes this one meanwhile.
        const opening = await consent.evaluate((selector) => {
          document.querySelector<HTMLButtonElement>(selector)!.click();
          const preview = document.querySelector<HTMLCanvasElement>('#preview')!;
          return {
            rendered: preview.dataset.rendered,
            page: preview.dataset.page ?? null,
            position: document.querySelector('#page-position')!.textContent,
          };
        }, `#documents li[data-index="${index}"] .open-item`);
        expect(opening).toEqual({ rendered: 'pending', page: null, position: '' });
        await consent.waitForSelector(`#preview[data-page="1"][data-rendered="true"]`, { timeout: 20_000 });
        expect(await consent.$eval('#document', (el) => (el as HTMLElement).dataset.index)).toBe(
          String(index),
        );
        expect(await consent.$eval('#document-name', (el) => (el as HTMLElement).innerText)).toBe(name);
        const pages = counts[index]!;
        expect(await consent.$eval('#page-count', (el) => (el as HTMLElement).innerText)).toBe(
          pages === 1
            ? 'The document has 1 page. Look at it before signing.'
            : `The document has ${pages} pages. Look at each page before signing.`,
        );
        expect(await consent.$eval('#page-position', (el) => el.textContent)).toContain(String(pages));
        await clickInView(consent, '#close-document');
      }
      await signInConsent(consent, '02', token.pin);
      await clickClosingWindow(consent, '#sign');
      const result = await sdkOutcome(page);
      expect(result.results).toHaveLength(3);
      // What was signed is what was counted: each signed file (the bytes shown, plus the signature's revision) has as many pages.
      for (const [index, item] of result.results.entries()) {
        expect(item.ok, JSON.stringify(item)).toBe(true);
        expect(popplerPages(dir, `signed-${index}.pdf`, Buffer.from(item.pdf, 'base64'))).toBe(counts[index]);
      }
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
