import { readFileSync } from 'node:fs';
import { PDFDocument, PDFHexString } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FONT_URL,
  formatVietnamTime,
  layoutImageSignature,
  pdfDateVietnam,
  stampLines,
  wrapLines,
} from '../../shared/pdf/appearance.js';
import { assertSignable, certificationOf } from '../../shared/pdf/docmdp.js';
import { PdfDocumentError } from '../../shared/pdf/errors.js';
import { loadPdfModel, openPdfModel, trailerSize } from '../../shared/pdf/model.js';
import { embedPdfSignature, preparePdfSignature } from '../../shared/pdf/pades.js';
import { toWireError } from '../../shared/protocol/errors.js';
import { PdfWriter, type XrefRow } from '../support/pdf-builder.js';

async function onePagePdf(objectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]);
  return doc.save({ useObjectStreams: objectStreams });
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('Vietnam time', () => {
  it('formats hh:mm:ss dd/mm/yyyy at UTC+7, across the date line', () => {
    expect(formatVietnamTime(new Date('2025-12-31T17:30:05Z'))).toBe('00:30:05 01/01/2026');
    expect(pdfDateVietnam(new Date('2025-12-31T17:30:05Z'))).toBe("D:20260101003005+07'00'");
  });

  it('puts the time where {time} is, else on its own last line; composes decomposed marks', () => {
    const at = new Date('2025-03-04T02:05:06Z');
    expect(stampLines(['Số: 1/QĐ'], at)).toEqual(['Số: 1/QĐ', '09:05:06 04/03/2025']);
    expect(stampLines(['Thời gian ký: {time}'], at)).toEqual(['Thời gian ký: 09:05:06 04/03/2025']);
    expect(stampLines(['Số'.normalize('NFD')], at)[0]).toBe('Số'.normalize('NFC'));
  });
});

describe('stamp lines', () => {
  const chars = (text: string) => [...text].length;
  it('breaks a line too wide at spaces, a word too wide on its own between letters; others as they are', () => {
    expect(wrapLines(['Số: 1/QĐ', 'Ủy ban nhân dân tỉnh', 'ĐẦUTƯPHÁTTRIỂN x'], chars, 10)).toEqual([
      'Số: 1/QĐ',
      'Ủy ban',
      'nhân dân',
      'tỉnh',
      'ĐẦUTƯPHÁTT',
      'RIỂN x',
    ]);
  });
});

describe('image layout', () => {
  it('puts the seal over the left third of the signature, scaled to fit and centred', () => {
    const { signature, seal } = layoutImageSignature(
      { width: 1000, height: 100 },
      { width: 300, height: 100 },
      { width: 100, height: 100 },
    );
    expect(signature).toEqual({ x: 350, y: 0, width: 300, height: 100 });
    expect(seal!.x + seal!.width).toBeCloseTo(signature!.x + 100); // right edge at one third
    expect(seal!.x).toBeCloseTo(350);
  });

  it('shrinks the group to the box width', () => {
    const { signature, seal } = layoutImageSignature(
      { width: 150, height: 100 },
      { width: 300, height: 100 },
      { width: 200, height: 200 },
    );
    expect(seal!.x).toBeCloseTo(0);
    expect(signature!.x + signature!.width).toBeCloseTo(150);
    expect(seal!.height).toBeLessThan(100);
  });
});

describe('preparePdfSignature', () => {
  it('finds the previous cross-reference section and its /Size, table or stream', async () => {
    const table = loadPdfModel(await onePagePdf(false));
    expect(table.chain.sections[0]!.kind).toBe('table');
    const stream = loadPdfModel(await onePagePdf(true));
    expect(stream.chain.sections[0]!.kind).toBe('stream');
    expect(trailerSize(stream)).toBeGreaterThan(3);
  });

  for (const objectStreams of [false, true]) {
    it(`appends to the original and frames /Contents with the ByteRange (object streams: ${objectStreams})`, async () => {
      const original = await onePagePdf(objectStreams);
      const prepared = await preparePdfSignature(original, { reason: 'Đồng ý', contentsSize: 100 });
      expect(latin1(prepared.pdf.subarray(0, original.length))).toBe(latin1(original));
      const [zero, start, end, rest] = prepared.byteRange;
      expect(zero).toBe(0);
      expect(end + rest).toBe(prepared.pdf.length);
      expect(latin1(prepared.pdf.subarray(start, end))).toBe(`<${'0'.repeat(200)}>`);
      const text = latin1(prepared.pdf.subarray(original.length));
      expect(text).toContain(`/ByteRange [${prepared.byteRange.join(' ')}]`);
      expect(text).toContain('/SubFilter /ETSI.CAdES.detached');
      expect(text).toMatch(/\/Prev \d+/);
      const signed = embedPdfSignature(prepared, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
      expect(latin1(signed.subarray(start, start + 11))).toBe('<3003020101');
      expect(() => embedPdfSignature(prepared, new Uint8Array(101))).toThrow(RangeError);
      // pdf-lib reads the update back: one signature field, on the page.
      const reread = await PDFDocument.load(signed);
      expect(
        reread
          .getForm()
          .getFields()
          .map((f) => f.getName()),
      ).toEqual(['Signature1']);
    });
  }

  it('names fields after the taken ones and refuses a duplicate name', async () => {
    const once = embedPdfSignature(
      await preparePdfSignature(await onePagePdf(true), { contentsSize: 10 }),
      new Uint8Array(1),
    );
    const twice = await preparePdfSignature(once, { contentsSize: 10 });
    expect(latin1(twice.pdf)).toContain(`/T ${PDFHexString.fromText('Signature2').toString()}`);
    await expect(preparePdfSignature(once, { fieldName: 'Signature1' })).rejects.toThrow(/already exists/);
  });

  it('refuses a page that does not exist and an image appearance without images', async () => {
    const pdf = await onePagePdf(false);
    const font = new Uint8Array(readFileSync(DEFAULT_FONT_URL));
    await expect(
      preparePdfSignature(pdf, { appearance: { kind: 'stamp', pageIndex: 3, lines: ['x'], font } }),
    ).rejects.toThrow(RangeError);
    await expect(
      preparePdfSignature(pdf, {
        appearance: { kind: 'image', rect: { x: 0, y: 0, width: 10, height: 10 } },
      }),
    ).rejects.toThrow(/needs a signature or seal/);
  });
});

describe('a form or annotations the signature update cannot extend', () => {
  /** A one-page PDF with `catalogExtra` and `pageExtra`; object 4 a dictionary, 6 a number. */
  const pdf = (catalogExtra: string, pageExtra: string) => {
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`)],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [3, w.obj(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ${pageExtra} >>`)],
      [4, w.obj(4, '<< /Foo 1 >>')],
      [6, w.obj(6, '7')],
    ];
    w.table(rows, '/Size 7 /Root 1 0 R');
    return w.bytes();
  };

  for (const [name, catalogExtra, pageExtra, problem] of [
    ['/Annots a reference to a dictionary', '', '/Annots 4 0 R', 'broken-annotations'],
    ['/Annots a direct dictionary', '', '/Annots << /Foo 1 >>', 'broken-annotations'],
    ['/Fields a reference to a dictionary', '/AcroForm << /Fields 4 0 R >>', '', 'broken-form'],
    ['/AcroForm a reference to no object', '/AcroForm 5 0 R', '', 'broken-form'],
    ['/AcroForm a reference to a number', '/AcroForm 6 0 R', '', 'broken-form'],
  ] as const)
    it(`${name}: refused when opened (before the window and the PIN), typed`, async () => {
      const bytes = pdf(catalogExtra, pageExtra);
      await expect(openPdfModel(bytes)).rejects.toMatchObject({
        code: 'PDF_DAMAGED',
        details: { problem },
      });
      const error = await preparePdfSignature(bytes).catch((e: unknown) => e);
      expect(toWireError(error).code).toBe('PDF_DAMAGED');
    });

  it('null /Annots and /AcroForm are as good as absent', async () => {
    await expect(preparePdfSignature(pdf('/AcroForm null', '/Annots null'))).resolves.toBeDefined();
  });
});

describe('a certified document (DocMDP) signed again', () => {
  /** A one-page PDF certified with `certify` (a placeholder CMS: only the structure matters here). */
  const certified = async (certify: 1 | 2 | 3) =>
    embedPdfSignature(
      await preparePdfSignature(await onePagePdf(false), { certify }),
      Uint8Array.of(0x30, 0x00),
    );

  it('P=1: no further signature (PDF_CERTIFIED, certified-no-changes); a document time-stamp is still added', async () => {
    const pdf = await certified(1);
    await expect(preparePdfSignature(pdf)).rejects.toMatchObject({
      code: 'PDF_CERTIFIED',
      details: { problem: 'certified-no-changes' },
    });
    expect(() => assertSignable(loadPdfModel(pdf).document)).toThrow(PdfDocumentError);
    await expect(preparePdfSignature(pdf, { documentTimestamp: true })).resolves.toBeDefined();
  });

  it('P=2 and P=3: signed', async () => {
    for (const p of [2, 3] as const)
      await expect(preparePdfSignature(await certified(p))).resolves.toBeDefined();
  });

  /** A catalog whose /Perms /DocMDP names a signature dictionary with `transformParams`. */
  const certifiedBy = (transformParams: string) => {
    const w = new PdfWriter();
    const reference = `<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << ${transformParams} >> >>`;
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [3, w.obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>')],
      [4, w.obj(4, `<< /Type /Sig /Reference [${reference}] /ByteRange [0 1 2 3] >>`)],
    ];
    w.table(rows, '/Size 5 /Root 1 0 R');
    return certificationOf(loadPdfModel(w.bytes()).document);
  };

  it('reads /P from the DocMDP reference: absent is 2 (the default), a value not 1–3 is 1 (the strictest)', () => {
    expect(certifiedBy('/P 3 /V /1.2')).toEqual({ permissions: 3, byteRange: [0, 1, 2, 3] });
    expect(certifiedBy('/V /1.2')?.permissions).toBe(2);
    expect(certifiedBy('/P 7')?.permissions).toBe(1);
    expect(certifiedBy('/P (1)')?.permissions).toBe(1);
  });
});
