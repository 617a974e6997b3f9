/**
 * The consent window's second guard: pdf.js's page count against the one kyso signs (its model's).
 * The window's own module (extension/src/consent/pdf-preview.ts) runs here on Node with pdf.js's
 * legacy build, the same library for Node (its browser build needs DOMMatrix).
 */
import { blankPagesPdf } from '../support/sample-pdf.js';
import { describe, expect, it, vi } from 'vitest';
import { openPdfModel } from '../../shared/pdf/model.js';
import { checkPageCount, openPdf, PreviewPagesDiffer } from '../../extension/src/consent/pdf-preview.js';

vi.mock('pdfjs-dist', () => import('pdfjs-dist/legacy/build/pdf.mjs'));
vi.mock('pdfjs-dist/build/pdf.worker.min.mjs?url', () => ({
  default: 'pdfjs-dist/legacy/build/pdf.worker.mjs',
}));

describe('the preview opens only the document kyso signs', () => {
  it('the same page count as kyso’s model: opened', async () => {
    const pdf = await blankPagesPdf(3);
    const model = await openPdfModel(pdf);
    const preview = await openPdf(pdf.slice(), model.pageCount);
    expect(preview.pages).toBe(3);
    await preview.close();
  });

  it('another page count than the one kyso signs: refused with both counts, nothing to draw', async () => {
    // Kyso's model of one file against pdf.js on another: what a reader disagreement would look like.
    const signed = await openPdfModel(await blankPagesPdf(3));
    const error = await openPdf(await blankPagesPdf(2), signed.pageCount).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreviewPagesDiffer);
    expect(error).toMatchObject({ name: 'PreviewPagesDiffer', shown: 2, signed: 3 });
  });

  it('a batch item never opened, counted without drawing: the same count passes, another is refused with both', async () => {
    const signed = await openPdfModel(await blankPagesPdf(3));
    await expect(checkPageCount(await blankPagesPdf(3), signed.pageCount)).resolves.toBeUndefined();
    const error = await checkPageCount(await blankPagesPdf(2), signed.pageCount).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreviewPagesDiffer);
    expect(error).toMatchObject({ shown: 2, signed: 3 });
  });
});
