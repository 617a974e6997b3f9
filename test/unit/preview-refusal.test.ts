/**
 * A batch PDF whose preview (pdf.js) counts other pages than kyso signs is refused by name: the
 * window's error says which document (its place in the batch, its name) and both counts. pdf.js
 * runs here with its legacy build, as in pdf-preview-pages.test.ts.
 */
import { blankPagesPdf } from '../support/sample-pdf.js';
import { describe, expect, it, vi } from 'vitest';
import type { ConsentDocument } from '../../shared/protocol/consent.js';
import { checkPageCount, PreviewPagesDiffer } from '../../extension/src/consent/pdf-preview.js';
import { previewRefusalParts } from '../../extension/src/consent/preview-refusal.js';
import { translator } from '../../extension/src/i18n/translate.js';

vi.mock('pdfjs-dist', () => import('pdfjs-dist/legacy/build/pdf.mjs'));
vi.mock('pdfjs-dist/build/pdf.worker.min.mjs?url', () => ({
  default: 'pdfjs-dist/legacy/build/pdf.worker.mjs',
}));

const pdf = (name: string, pages: number): ConsentDocument => ({ name, kind: 'pdf', size: 1, pages });

describe('the document whose preview counts other pages is named', () => {
  it('in a batch: its place and name, with both counts, in English and Vietnamese', async () => {
    const batch = [pdf('bien-ban-1.pdf', 1), pdf('hop-dong-\u202Efdp.exe', 3), pdf('phu-luc.pdf', 2)];
    // What the window's batch count does for each PDF: pdf.js on the bytes, against kyso's count.
    const read = [await blankPagesPdf(1), await blankPagesPdf(2), await blankPagesPdf(2)];
    const refused = [];
    for (const [index, bytes] of read.entries()) {
      const error = await checkPageCount(bytes, batch[index]!.pages!).catch((e: unknown) => e);
      if (error instanceof PreviewPagesDiffer)
        refused.push({ index, shown: error.shown, signed: error.signed });
    }
    expect(refused).toEqual([{ index: 1, shown: 2, signed: 3 }]);
    expect(previewRefusalParts(batch, refused[0]!, translator('en'))).toEqual({
      place: 'Document 2 of 3',
      name: 'hop-dong-\u202Efdp.exe', // shown inert by the window (setPageText)
      reason: 'The preview has 2 pages but the document kyso would sign has 3: kyso will not sign it.',
    });
    expect(previewRefusalParts(batch, refused[0]!, translator('vi'))).toEqual({
      place: 'Tài liệu 2 / 3',
      name: 'hop-dong-\u202Efdp.exe',
      reason: 'Bản xem trước có 2 trang nhưng tài liệu kyso sẽ ký có 3 trang: kyso không ký tài liệu này.',
    });
  });

  it('a single document: its name, no place', () => {
    expect(
      previewRefusalParts([pdf('to-trinh.pdf', 3)], { index: 0, shown: 4, signed: 3 }, translator('en')),
    ).toEqual({
      name: 'to-trinh.pdf',
      reason: 'The preview has 4 pages but the document kyso would sign has 3: kyso will not sign it.',
    });
  });
});
