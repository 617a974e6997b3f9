/**
 * PAdES: revisions appended after the last signature that try to pass for long-term validation
 * data while readers show other content. Each forged file is checked through the built CLI
 * (`kyso verify`), and pdftotext (poppler, a reader following the xref) shows what a person would
 * see: text no signature covers. Legitimate B-LT/B-LTA files stay valid (verifier-long-term.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializePdfObject } from '../../shared/pdf/incremental.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { embedPdfSignature, preparePdfSignature, signPdf } from '../../shared/pdf/pades.js';
import { makeNssDb, pdfsig, pdftotext, writePdf } from '../support/pdf-tools.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { makeSoftwareIdentity, padesSignerOf, type SoftwareIdentity } from '../support/software-signer.js';
import { kysoVerifyJson } from '../support/verifier-service.js';

const FORGED = 'FORGED TEXT, NOT SIGNED';

interface AppendedObject {
  number: number;
  body: string;
  /** false: written to the file but left out of the new xref section. */
  designated?: boolean;
}

/** An incremental update written by hand: `objects`, an xref section for the designated ones, a trailer. */
function appendRevision(pdf: Uint8Array, objects: AppendedObject[], trailer: { root: string; size: number }) {
  const tail = Buffer.from(pdf.subarray(pdf.length - 64)).toString('latin1');
  const previous = Number(/startxref\s+(\d+)/.exec(tail)![1]);
  let body = '\n';
  const offsets: Array<[number, number]> = [];
  for (const object of objects) {
    if (object.designated !== false) offsets.push([object.number, pdf.length + body.length]);
    body += `${object.number} 0 obj\n${object.body}\nendobj\n`;
  }
  const xrefAt = pdf.length + body.length;
  let xref = 'xref\n';
  for (const [number, offset] of offsets)
    xref += `${number} 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<< /Size ${trailer.size} /Root ${trailer.root} /Prev ${previous} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([pdf, Buffer.from(body + xref, 'latin1')]));
}

const textStream = (fontKey: string) => {
  const text = `BT ${fontKey} 18 Tf 72 500 Td (${FORGED}) Tj ET`;
  return `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
};

/** The catalog's entries as PDF text, to write it again with more. */
const entriesOf = (dict: PDFDict) =>
  dict
    .entries()
    .map(([key, value]) => `${key.toString()} ${value.toString()}`)
    .join(' ');

describe('PAdES: what is appended after the last signature', () => {
  let dir: string;
  let signer: SoftwareIdentity;
  let signed: Uint8Array;

  /** `kyso verify FILE --json`: exit code and, when it printed one, the report. */
  const kysoVerify = async (name: string, pdf: Uint8Array) => {
    const file = writePdf(dir, name, pdf);
    return { file, ...(await kysoVerifyJson(file, signer.caPem)) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-revisions-'));
    signer = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký Hợp Đồng');
    const plain = await onePagePdf('ORIGINAL SIGNED TEXT');
    signed = await signPdf(plain, {}, padesSignerOf({ der: signer.certificateDer, signer: signer.signer }));
    expect((await kysoVerify('signed.pdf', signed)).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an object changed through the xref with its signed copy left after it, unreferenced (pdf-lib keeps the last): refused', async () => {
    const model = await openPdfModel(signed);
    const doc = model.document;
    const catalogRef = doc.context.trailerInfo.Root as PDFRef;
    const catalog = doc.context.lookup(catalogRef, PDFDict);
    const page = doc.getPages()[0]!.node;
    const contents = page.get(PDFName.of('Contents'));
    const contentsRef = (contents instanceof PDFArray ? contents.get(0) : contents) as PDFRef;
    const fontKey = page
      .lookup(PDFName.of('Resources'), PDFDict)
      .lookup(PDFName.of('Font'), PDFDict)
      .keys()[0]!;
    const size = model.context.largestObjectNumber + 1;
    const entries = entriesOf(catalog);
    const forged = appendRevision(
      signed,
      [
        { number: catalogRef.objectNumber, body: `<< ${entries} /DSS ${size} 0 R >>` }, // a DSS: allowed
        { number: size, body: '<< /Certs [] >>' },
        { number: contentsRef.objectNumber, body: textStream(fontKey.toString()) }, // what readers show
        {
          number: contentsRef.objectNumber,
          body: Buffer.from(serializePdfObject(doc.context.lookup(contentsRef)!)).toString('latin1'),
          designated: false, // what pdf-lib's loader took: the last definition in the file
        },
      ],
      { root: catalogRef.toString(), size: size + 1 },
    );
    const result = await kysoVerify('shadow-object.pdf', forged);
    expect(pdftotext(result.file)).toContain(FORGED);
    expect(result.report?.indication).toBe('TOTAL-FAILED');
    expect(result.code).toBe(1);
    const [signature] = result.report!.signatures;
    expect(signature!.problems).toContain('MALFORMED');
    expect(signature!.details).toContainEqual(
      expect.stringMatching(/reads differently in different readers \(object-outside-xref\)/),
    );
  });

  it('the trailer pointed at a new catalog and page tree, the signed catalog given a DSS: not validation data', async () => {
    const model = await openPdfModel(signed);
    const catalogRef = model.document.context.trailerInfo.Root as PDFRef;
    const entries = entriesOf(model.document.context.lookup(catalogRef, PDFDict));
    const n = model.context.largestObjectNumber + 1;
    const forged = appendRevision(
      signed,
      [
        { number: catalogRef.objectNumber, body: `<< ${entries} /DSS ${n + 5} 0 R >>` },
        { number: n, body: `<< /Type /Catalog /Pages ${n + 1} 0 R >>` },
        { number: n + 1, body: `<< /Type /Pages /Kids [${n + 2} 0 R] /Count 1 >>` },
        {
          number: n + 2,
          body: `<< /Type /Page /Parent ${n + 1} 0 R /MediaBox [0 0 595 842] /Contents ${n + 3} 0 R /Resources << /Font << /F1 ${n + 4} 0 R >> >> >>`,
        },
        { number: n + 3, body: textStream('/F1') },
        { number: n + 4, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>' },
        { number: n + 5, body: '<< /Certs [] >>' },
      ],
      { root: `${n} 0 R`, size: n + 6 },
    );
    const result = await kysoVerify('root-swap.pdf', forged);
    expect(pdftotext(result.file)).toContain(FORGED);
    expect(result.report?.indication).toBe('TOTAL-FAILED');
    expect(result.report?.signatures[0]!.problems).toEqual(['DOCUMENT_MODIFIED_AFTER_SIGNING']);
    expect(result.code).toBe(1);
  });

  it('a signed page naming an object that did not exist yet, defined later beside a DSS: not validation data', async () => {
    // The page's /Contents names one more stream, absent (null) when it is signed: readers show nothing of it.
    const prepared = await PDFDocument.load(await onePagePdf('ORIGINAL SIGNED TEXT'));
    const page = prepared.getPages()[0]!.node;
    const later = PDFRef.of(prepared.context.largestObjectNumber + 40);
    page.lookup(PDFName.of('Contents'), PDFArray).push(later);
    const fontKey = page
      .lookup(PDFName.of('Resources'), PDFDict)
      .lookup(PDFName.of('Font'), PDFDict)
      .keys()[0]!;
    const trap = await signPdf(
      await prepared.save({ useObjectStreams: false }),
      {},
      padesSignerOf({ der: signer.certificateDer, signer: signer.signer }),
    );
    expect((await kysoVerify('trap.pdf', trap)).code).toBe(0);
    expect(pdftotext(writePdf(dir, 'trap.pdf', trap))).not.toContain(FORGED);

    const model = await openPdfModel(trap);
    const catalogRef = model.document.context.trailerInfo.Root as PDFRef;
    const entries = entriesOf(model.document.context.lookup(catalogRef, PDFDict));
    const dss = later.objectNumber + 1;
    const forged = appendRevision(
      trap,
      [
        { number: catalogRef.objectNumber, body: `<< ${entries} /DSS ${dss} 0 R >>` },
        { number: dss, body: `<< /Certs [] >>` },
        { number: later.objectNumber, body: textStream(fontKey.toString()) },
      ],
      { root: catalogRef.toString(), size: dss + 1 },
    );
    const result = await kysoVerify('late-object.pdf', forged);
    expect(pdftotext(result.file)).toContain(FORGED);
    expect(result.report?.indication).toBe('TOTAL-FAILED');
    expect(result.report?.signatures[0]!.problems).toEqual(['DOCUMENT_MODIFIED_AFTER_SIGNING']);
    expect(result.code).toBe(1);
  });
});

/**
 * A signature whose /ByteRange leaves out more than its /Contents: the signer's software (or whoever
 * prepared the file for it) chose the hole, and what lies in it no signature covers.
 */
describe('PAdES: a ByteRange hole wider than /Contents', () => {
  let dir: string;
  let signer: SoftwareIdentity;
  let nssDb: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-hole-'));
    signer = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký Hợp Đồng');
    nssDb = makeNssDb(dir, [signer.caPem]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A one-page PDF signed over the ByteRange `range` gives for the prepared file and its /Contents
   * placeholder; returns the file and where its page's content stream object lies.
   */
  async function signWithByteRange(
    range: (
      stream: { start: number },
      contents: { start: number; end: number },
      length: number,
    ) => [number, number, number, number],
  ) {
    const plain = await onePagePdf('ORIGINAL SIGNED TEXT');
    const page = (await openPdfModel(plain)).document.getPages()[0]!.node;
    const streamRef = page.lookup(PDFName.of('Contents'), PDFArray).get(0) as PDFRef;
    const fontKey = page
      .lookup(PDFName.of('Resources'), PDFDict)
      .lookup(PDFName.of('Font'), PDFDict)
      .keys()[0]!
      .toString();
    const prepared = await preparePdfSignature(plain);
    const pdf = Buffer.from(prepared.pdf);
    const text = pdf.toString('latin1');
    const streamStart = text.search(new RegExp(`(?<=\\s)${streamRef.objectNumber} 0 obj`));
    const streamEnd = text.indexOf('endobj', streamStart) + 'endobj'.length;
    const [, start, end] = prepared.byteRange;
    const [a, b, c, d] = range({ start: streamStart }, { start, end }, pdf.length);
    // The ByteRange is written in its placeholder (blank-padded), then signed: the CMS covers it.
    const open = pdf.indexOf('[', pdf.indexOf('/ByteRange'));
    const close = pdf.indexOf(']', open);
    pdf.write(`[${a} ${b} ${c} ${d}`.padEnd(close - open, ' '), open, 'latin1');
    const signedPart = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + Math.max(d, 0))]);
    const digest = createHash('sha256').update(signedPart).digest();
    const cms = await padesSignerOf({ der: signer.certificateDer, signer: signer.signer })(digest);
    return {
      pdf: Buffer.from(embedPdfSignature({ ...prepared, pdf }, cms)),
      streamStart,
      streamEnd,
      fontKey,
      streamRef,
    };
  }

  it("a page's text in the hole, rewritten after signing: refused (pdfsig: not total document signed)", async () => {
    const wide = await signWithByteRange((stream, contents, length) => [
      0,
      stream.start,
      contents.end,
      length - contents.end,
    ]);
    // After signing: the page's content stream replaced in place, same length (offsets unchanged).
    const drawn = `BT ${wide.fontKey} 18 Tf 72 700 Td (${FORGED}) Tj ET`;
    const object = `${wide.streamRef.objectNumber} 0 obj\n<< /Length ${drawn.length} >>\nstream\n${drawn}\n`;
    const room = wide.streamEnd - wide.streamStart - object.length - 'endstream\nendobj'.length;
    const forged = Buffer.from(wide.pdf);
    forged.write(`${object}${' '.repeat(room)}endstream\nendobj`, wide.streamStart, 'latin1');

    for (const [name, pdf] of [
      ['wide-hole.pdf', wide.pdf],
      ['wide-hole-forged.pdf', forged],
    ] as const) {
      const file = writePdf(dir, name, pdf);
      // Poppler: the signature value verifies, over a part of the file only.
      const poppler = pdfsig(file, nssDb);
      expect(poppler.signatures[0]?.valid, poppler.output).toBe(true);
      expect(poppler.output).toContain('Not total document signed');
      const result = await kysoVerifyJson(file, signer.caPem);
      expect(result.report?.indication, name).toBe('TOTAL-FAILED');
      expect(result.report!.signatures[0]!.problems).toEqual(['MALFORMED']);
      expect(result.report!.signatures[0]!.details).toContainEqual(
        expect.stringMatching(/^the ByteRange leaves out more than the signature's \/Contents/),
      );
      expect(result.code).toBe(1);
    }
    expect(pdftotext(writePdf(dir, 'shown.pdf', forged))).toContain(FORGED);
  });

  it('a hole that runs past the end of the file (a negative last length): refused', async () => {
    const past = await signWithByteRange((_stream, contents, length) => [
      0,
      contents.start,
      length + 10,
      -10,
    ]);
    const file = writePdf(dir, 'hole-past-end.pdf', past.pdf);
    const result = await kysoVerifyJson(file, signer.caPem);
    expect(result.report?.indication).toBe('TOTAL-FAILED');
    expect(result.report!.signatures[0]!.problems).toEqual(['MALFORMED']);
    expect(result.code).toBe(1);
  });
});
