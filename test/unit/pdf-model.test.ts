import fc from 'fast-check';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { PdfDocumentError } from '../../shared/pdf/errors.js';
import { md5, rc4 } from '../../shared/pdf/encryption.js';
import { loadPdfModel, openPdfModel, type PdfModel } from '../../shared/pdf/model.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { assertRevisionOnlyAdds, snapshotObjects } from '../../shared/pdf/revision-check.js';
import { unpredictPng } from '../../shared/pdf/xref.js';
import { KysoError } from '../../shared/protocol/errors.js';
import {
  DEBT,
  DRAFT,
  differentialPdfs,
  firstRevision,
  PdfWriter,
  textContent,
  type XrefRow,
} from '../support/pdf-builder.js';

/** The text operands of page 1's content stream, as the model resolves them. */
function pageText(model: PdfModel): string {
  const page = model.document.getPage(0);
  const contents = page.node.Contents();
  const stream = contents instanceof PDFRawStream ? contents : undefined;
  if (!stream) throw new Error('no contents');
  const data = Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
  return [...data.matchAll(/\(([^)]*)\) Tj/g)].map((m) => m[1]).join('\n');
}

function refusal(run: () => unknown): { code: string; problem: unknown } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PdfDocumentError);
    const { code, details } = error as PdfDocumentError;
    return { code, problem: details?.problem };
  }
  throw new Error('not refused');
}

/** A PDF whose /Encrypt (RC4 128, empty O and U) opens with no password kyso knows. */
function passwordProtectedPdf(): Uint8Array {
  const w = new PdfWriter();
  const first = firstRevision(w, DRAFT);
  const encrypt = w.obj(6, '<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>');
  w.table(
    [[0, null], ...[...first].map(([n, o]): XrefRow => [n, o]), [6, encrypt]],
    '/Size 7 /Root 1 0 R /Encrypt 6 0 R /ID [<01> <01>]',
  );
  return w.bytes();
}

describe('PDF model: the objects the xref chain designates', () => {
  for (const pdf of differentialPdfs()) {
    it(`${pdf.name}: ${pdf.refused ? `refused (${pdf.refused.code} ${pdf.refused.problem})` : 'resolved as a reader resolves it'}`, () => {
      if (pdf.refused) expect(refusal(() => loadPdfModel(pdf.bytes))).toEqual(pdf.refused);
      else {
        const model = loadPdfModel(pdf.bytes);
        expect(model.pageCount).toBe(1);
        expect(pageText(model)).toBe(pdf.readerText);
      }
    });
  }

  it('the root bug, for the record: pdf-lib’s own loader keeps the last object in the file, not the designated one', async () => {
    const revert = differentialPdfs().find((p) => p.name === 'revert-xref')!;
    const loaded = await PDFDocument.load(revert.bytes, { updateMetadata: false });
    const contents = loaded.getPage(0).node.Contents() as PDFRawStream;
    expect(Buffer.from(decodePDFRawStream(contents).decode()).toString('latin1')).toContain(DEBT);
    expect(revert.readerText).toBe(DRAFT);
  });

  it('the signature update is refused before anything is prepared for an ambiguous file', async () => {
    for (const pdf of differentialPdfs().filter((p) => p.refused)) {
      await expect(preparePdfSignature(pdf.bytes)).rejects.toMatchObject({ code: pdf.refused!.code });
    }
  });

  it('an /Encrypt in the trailer is PDF_ENCRYPTED', () => {
    expect(refusal(() => loadPdfModel(passwordProtectedPdf()))).toEqual({
      code: 'PDF_ENCRYPTED',
      problem: 'encrypted',
    });
  });

  it('a /Prev loop, a missing startxref and a file that is not a PDF are PDF_DAMAGED', () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const at = w.length;
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 6 /Root 1 0 R', { prev: at });
    expect(refusal(() => loadPdfModel(w.bytes()))).toEqual({
      code: 'PDF_DAMAGED',
      problem: 'broken-prev-chain',
    });

    const truncated = w.bytes().subarray(0, at);
    expect(refusal(() => loadPdfModel(truncated))).toEqual({ code: 'PDF_DAMAGED', problem: 'no-xref' });
    expect(refusal(() => loadPdfModel(new TextEncoder().encode('<html>not a pdf</html>')))).toEqual({
      code: 'PDF_DAMAGED',
      problem: 'not-pdf',
    });
  });

  it('an xref entry that names another object is PDF_DAMAGED, never a guess', () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(
      [[0, null], ...[...first].map(([n, o]): XrefRow => [n, n === 4 ? first.get(5)! : o])],
      '/Size 6 /Root 1 0 R',
    );
    expect(refusal(() => loadPdfModel(w.bytes()))).toEqual({
      code: 'PDF_DAMAGED',
      problem: 'object-mismatch',
    });
  });

  it('a table numbered from 1 whose first row is object 0 (a known writer bug) is read from 0, as readers do', () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const good = [...first].map(([n, o]): XrefRow => [n, o]);
    w.table([[0, null], ...good], '/Size 6 /Root 1 0 R');
    const bytes = Buffer.from(w.bytes())
      .toString('latin1')
      .replace(/^xref\n0 6\n/m, 'xref\n1 6\n');
    const model = loadPdfModel(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
    expect(pageText(model)).toBe(DRAFT);
  });

  it('a trailer /Root that is not a catalog is not replaced by another object (pdf-lib would)', () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 6 /Root 3 0 R');
    expect(refusal(() => loadPdfModel(w.bytes()))).toEqual({ code: 'PDF_DAMAGED', problem: 'no-catalog' });
  });

  it('reads pdf-lib’s object-stream files (xref stream, object streams) through their xref', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([200, 200]).drawText('object streams');
    doc.addPage([200, 200]);
    const model = loadPdfModel(await doc.save({ useObjectStreams: true }));
    expect(model.pageCount).toBe(2);
    expect(model.chain.sections[0]!.kind).toBe('stream');
  });

  it('PNG predictors of xref streams are undone row by row (None, Sub, Up)', () => {
    const rows = [0, 1, 2, 3, 1, 1, 1, 1, 2, 1, 1, 1];
    expect([...unpredictPng(Uint8Array.from(rows), 3, 1)]).toEqual([1, 2, 3, 1, 2, 3, 2, 3, 4]);
  });

  it('whatever the damage, only typed errors come out (no library message reaches anyone)', async () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 6 /Root 1 0 R');
    const contents = w.obj(4, textContent(DEBT));
    w.table([[4, contents]], '/Size 6 /Root 1 0 R');
    const good = w.bytes();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (at, byte, cut) => {
          const bad = cut ? good.subarray(0, at) : Uint8Array.from(good, (b, i) => (i === at ? byte : b));
          try {
            loadPdfModel(bad);
          } catch (error) {
            expect(error).toBeInstanceOf(KysoError);
            expect(['PDF_DAMAGED', 'PDF_AMBIGUOUS', 'PDF_ENCRYPTED']).toContain((error as KysoError).code);
            expect((error as KysoError).message).not.toMatch(/instance of|ignoreEncryption|undefined/);
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(PDFName.of('Type')).toBeDefined();
  });
});

describe('the standard security handler’s primitives', () => {
  it('MD5 and RC4 match node:crypto and the RC4 test vectors', async () => {
    const { createHash } = await import('node:crypto');
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
      expect(Buffer.from(md5(data)).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
    }
    // RFC 6229-style vector: key "Key", plaintext "Plaintext".
    expect(
      Buffer.from(rc4(new TextEncoder().encode('Key'), new TextEncoder().encode('Plaintext'))).toString(
        'hex',
      ),
    ).toBe('bbf316e8d940af0ad3');
  });

  it('a file needing a user password stays PDF_ENCRYPTED through openPdfModel', async () => {
    await expect(openPdfModel(passwordProtectedPdf())).rejects.toMatchObject({
      code: 'PDF_ENCRYPTED',
      details: { problem: 'encrypted' },
    });
  });
});

describe('the read-back proof: the prepared revision only adds', () => {
  const PAGE =
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R';
  /** The original, and the same file with one more update made of `objects`. */
  function updated(objects: Record<number, string>): { original: Uint8Array; prepared: Uint8Array } {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 7 /Root 1 0 R');
    const original = w.bytes();
    const rows = Object.entries(objects).map(([n, body]): XrefRow => [Number(n), w.obj(Number(n), body)]);
    w.table(rows, '/Size 7 /Root 1 0 R');
    return { original, prepared: w.bytes() };
  }
  const check = (
    { original, prepared }: { original: Uint8Array; prepared: Uint8Array },
    rewritten: number[],
  ) => assertRevisionOnlyAdds(snapshotObjects(loadPdfModel(original)), prepared, new Set(rewritten));

  it('accepts a page that only gains /Annots, and new objects', async () => {
    await expect(
      check(
        updated({
          3: `${PAGE} /Annots [6 0 R] >>`,
          6: '<< /Type /Annot /Subtype /Widget /Rect [0 0 0 0] >>',
        }),
        [3, 6],
      ),
    ).resolves.toBeUndefined();
  });

  it('refuses an object changed that the update did not declare, a rewritten page whose contents changed, and changed content', async () => {
    await expect(check(updated({ 3: `${PAGE} /Annots [6 0 R] >>` }), [])).rejects.toMatchObject({
      code: 'INTERNAL',
      details: { object: 3 },
    });
    await expect(
      check(
        updated({ 3: PAGE.replace('/Contents 4 0 R', '/Contents 6 0 R') + ' >>', 6: textContent(DEBT) }),
        [3, 6],
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL', details: { object: 3 } });
    await expect(check(updated({ 4: textContent(DEBT) }), [4])).rejects.toMatchObject({
      code: 'INTERNAL',
      details: { object: 4 },
    });
  });

  it('takes an entry the update sets on purpose (a locked field made read-only) at exactly its value, and nothing else', async () => {
    // A catalog standing in for a field: /Ff 1 is what signing its lock sets.
    const catalog = '<< /Type /Catalog /Pages 2 0 R';
    const own = new Map([[1, new Map([['Ff', PDFNumber.of(1)]])]]);
    const checkOwn = (body: string) => {
      const { original, prepared } = updated({ 1: body });
      return assertRevisionOnlyAdds(snapshotObjects(loadPdfModel(original)), prepared, new Set([1]), own);
    };
    await expect(checkOwn(`${catalog} /Ff 1 >>`)).resolves.toBeUndefined();
    // Another flag with it (not read-only only), or the entry undeclared: refused.
    await expect(checkOwn(`${catalog} /Ff 3 >>`)).rejects.toMatchObject({ details: { object: 1 } });
    await expect(check(updated({ 1: `${catalog} /Ff 1 >>` }), [1])).rejects.toMatchObject({
      details: { object: 1 },
    });
    // The declared entry does not let another one change.
    await expect(checkOwn(`${catalog} /Ff 1 /Lang (vi) >>`)).rejects.toMatchObject({
      details: { object: 1 },
    });
  });
});
