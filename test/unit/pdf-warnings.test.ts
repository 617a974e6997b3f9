import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { loadPdfModel } from '../../shared/pdf/model.js';
import { pdfWarnings } from '../../shared/pdf/warnings.js';
import { DRAFT, FONT, PdfWriter, firstRevision, textContent, type XrefRow } from '../support/pdf-builder.js';

/** A one-page PDF whose catalog, page and extra objects are given (objects 1–5 as in firstRevision). */
function pdfWith(
  catalogExtra: string,
  pageExtra: string,
  objects: Record<number, string> = {},
  update?: Record<number, string>,
): Uint8Array {
  const w = new PdfWriter();
  const offsets = new Map<number, number>();
  offsets.set(1, w.obj(1, `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`));
  offsets.set(2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'));
  offsets.set(
    3,
    w.obj(
      3,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R ${pageExtra} >>`,
    ),
  );
  offsets.set(4, w.obj(4, textContent(DRAFT)));
  offsets.set(5, w.obj(5, FONT));
  for (const [n, body] of Object.entries(objects)) offsets.set(Number(n), w.obj(Number(n), body));
  const size = Math.max(...offsets.keys()) + 1;
  w.table(
    [[0, null], ...[...offsets].sort((a, b) => a[0] - b[0]).map(([n, o]): XrefRow => [n, o])],
    `/Size ${size} /Root 1 0 R`,
  );
  if (update) {
    const rows = Object.entries(update).map(([n, body]): XrefRow => [Number(n), w.obj(Number(n), body)]);
    w.table(rows, `/Size ${size} /Root 1 0 R`);
  }
  return w.bytes();
}

describe('PDF warnings: what a signed document can still do or change', () => {
  it('a plain document has none', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawText('Quyet dinh');
    expect(pdfWarnings(loadPdfModel(await doc.save()))).toEqual([]);
    expect(pdfWarnings(loadPdfModel(pdfWith('', '')))).toEqual([]);
  });

  it('finds JavaScript, /Launch, other actions, attachments (with names), fields, signatures, annotations and updates', () => {
    const pdf = pdfWith(
      '/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) /Next << /S /Launch /F (calc.exe) >> >> /Names << /JavaScript 6 0 R /EmbeddedFiles << /Names [(a) 7 0 R] >> >> /AcroForm << /Fields [8 0 R 9 0 R 10 0 R 11 0 R] >>',
      '/AA << /O << /S /SubmitForm /F (https://example.invalid/) >> >> /Annots [12 0 R 13 0 R 14 0 R 8 0 R]',
      {
        6: '<< /Names [(init) << /S /JavaScript /JS (this.print\\(\\)) >>] >>',
        7: '<< /Type /Filespec /F (hoa-don.pdf.exe) /UF (hoa-don.pdf.exe) /EF << >> >>',
        8: '<< /FT /Tx /T (hoTen) /Subtype /Widget /Rect [0 0 10 10] /AA << /K << /S /JavaScript /JS (1) >> >> >>',
        9: '<< /FT /Sig /T (KyTruoc) /V << /Type /Sig >> >>',
        10: '<< /FT /Sig /T (ChoKy) >>',
        11: '<< /T (DiaChi) /FT /Tx /Kids [15 0 R 16 0 R] >>',
        12: '<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.invalid/) >> >>',
        13: '<< /Type /Annot /Subtype /FreeText /Rect [0 0 10 10] /Contents (ghi chú) >>',
        14: '<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /Type /Filespec /F (payload.exe) >> >>',
        15: '<< /T (Tinh) >>',
        16: '<< /T (Huyen) >>',
      },
      { 4: textContent('ban sua') },
    );
    expect(pdfWarnings(loadPdfModel(pdf))).toEqual([
      { code: 'pdf-javascript', count: 3 },
      { code: 'pdf-launch', count: 1, names: ['calc.exe'] },
      { code: 'pdf-actions', count: 1, names: ['SubmitForm'] },
      { code: 'pdf-embedded-files', count: 2, names: ['hoa-don.pdf.exe', 'payload.exe'] },
      { code: 'pdf-existing-signatures', count: 1, names: ['KyTruoc'] },
      { code: 'pdf-empty-signature-fields', count: 1, names: ['ChoKy'] },
      { code: 'pdf-form-fields', count: 3, names: ['hoTen', 'DiaChi.Tinh', 'DiaChi.Huyen'] },
      { code: 'pdf-annotations', count: 1, names: ['FreeText'] },
      { code: 'pdf-incremental-updates', count: 1 },
    ]);
  });

  it('reads what readers resolve: an action removed by an update is not warned about', () => {
    const pdf = pdfWith(
      '/OpenAction << /S /JavaScript /JS (1) >>',
      '',
      {},
      { 1: '<< /Type /Catalog /Pages 2 0 R >>' },
    );
    expect(pdfWarnings(loadPdfModel(pdf))).toEqual([{ code: 'pdf-incremental-updates', count: 1 }]);
  });

  it('an update adding a /Linearized dictionary does not hide that it is an update', () => {
    const pdf = pdfWith('', '', {}, { 10: '<< /Linearized 1 /L 1 /H [1 1] /O 3 /E 1 /N 1 /T 1 >>' });
    expect(pdfWarnings(loadPdfModel(pdf))).toEqual([{ code: 'pdf-incremental-updates', count: 1 }]);
  });

  it('a linearization dictionary first in the file hides no update unless the file is laid out as its /L says', () => {
    const w = new PdfWriter();
    // /L 10: the writer's file would end inside the header; the two sections are both after it.
    const linearization = w.obj(6, '<< /Linearized 1 /L 10 /H [1 1] /O 3 /E 1 /N 1 /T 1 >>');
    const first = firstRevision(w, DRAFT);
    w.table(
      [[0, null], ...[...first].map(([n, o]): XrefRow => [n, o]), [6, linearization]],
      '/Size 7 /Root 1 0 R',
    );
    w.table([[4, w.obj(4, textContent('ban sua'))]], '/Size 7 /Root 1 0 R');
    expect(pdfWarnings(loadPdfModel(w.bytes()))).toEqual([{ code: 'pdf-incremental-updates', count: 1 }]);
  });

  it('control characters in a name from the document are blanked, and names are bounded', () => {
    const names = Array.from(
      { length: 30 },
      (_, i) => `(f${i}\\r\\n${'x'.repeat(200)}) << /Type /Filespec /F (f${i}) >>`,
    ).join(' ');
    const warnings = pdfWarnings(
      loadPdfModel(pdfWith(`/Names << /EmbeddedFiles << /Names [${names}] >> >>`, '')),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.count).toBe(30);
    expect(warnings[0]!.names).toHaveLength(20);
    expect(warnings[0]!.names![0]).toBe('f0');
  });
});
