/**
 * PAdES: revisions appended after the last signature that try to pass for long-term validation
 * data while readers show other content. Each forged file is checked through the built CLI
 * (`kyso verify`), and pdftotext (poppler, a reader following the xref) shows what a person would
 * see: text no signature covers. Legitimate B-LT/B-LTA files stay valid (verifier-long-term.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializePdfObject } from '../../shared/pdf/incremental.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { pdftotext, writePdf } from '../support/pdf-tools.js';
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
