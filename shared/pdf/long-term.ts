/**
 * PAdES long-term levels (ETSI EN 319 142-1 §5.4-5.5), each its own incremental update appended
 * after the signed revision, so no signed byte changes:
 *   B-LT: a Document Security Store (DSS: /Certs, /OCSPs, /CRLs streams, ISO 32000-2 §12.8.4.3)
 *         with what a verifier needs once the CA's services are gone;
 *   B-LTA: then a document time-stamp (/DocTimeStamp, ETSI.RFC3161) over everything, DSS included.
 * Gathering the evidence (network) is the caller's: see shared/cms/revocation-data.ts.
 */
import * as asn1js from 'asn1js';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import { gatherValidationData } from '../cms/validation-data.js';
import {
  MAX_TIMESTAMP_TOKEN_BYTES,
  refuseOversizedToken,
  requestTimestamp,
  type TimestampRequestOptions,
} from '../cms/timestamp.js';
import { bytesToHex } from '../encoding.js';
import { DecodeBudget, StreamTooLargeError } from './bounded-decode.js';
import { appendIncrementalUpdate, serializePdfObject, type IndirectObjectBody } from './incremental.js';
import { objectForFile } from './encrypted-objects.js';
import { openPdfModel } from './model.js';
import { embedPdfSignature, preparePdfSignature, previousXref } from './pades.js';

export interface DssContents {
  certificates: Uint8Array[];
  /** OCSPResponse DER (the whole response, as PDF 2.0 wants). */
  ocsps: Uint8Array[];
  crls: Uint8Array[];
}

const DSS_KEYS = { certificates: 'Certs', ocsps: 'OCSPs', crls: 'CRLs' } as const;

/**
 * How much of a DSS is decoded: per stream the 8 MiB kyso fetches an OCSP response or CRL with,
 * and in all four times that. A few KB of deflated zeros can claim gigabytes.
 */
export const DSS_LIMITS = { streamBytes: 8 << 20, totalBytes: 32 << 20 };

/** A DSS stream that decodes to more than DSS_LIMITS allow (a deflate bomb, or more evidence than anyone embeds). */
export class DssTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the PDF's validation data (DSS) decodes to more than ${limit} bytes`);
    this.name = 'DssTooLargeError';
  }
}

/** The stream's data within `budget`; undefined for what is no stream or does not decode. */
function streamBytes(object: PDFObject | undefined, budget: DecodeBudget): Uint8Array | undefined {
  if (!(object instanceof PDFRawStream)) return undefined;
  try {
    return budget.decode(object);
  } catch (error) {
    if (error instanceof StreamTooLargeError) throw new DssTooLargeError(error.limit);
    return undefined; // an unknown filter, or data that does not decode: evidence nobody can use
  }
}

/**
 * What the document's DSS holds (empty lists when there is none). Throws DssTooLargeError when a
 * stream, or all of them together, decode past `limits`.
 */
export async function readDss(pdf: Uint8Array | PDFDocument, limits = DSS_LIMITS): Promise<DssContents> {
  // Through the xref chain, as readers resolve it (never pdf-lib's "last object in the file").
  const doc = pdf instanceof PDFDocument ? pdf : (await openPdfModel(pdf)).document;
  const contents: DssContents = { certificates: [], ocsps: [], crls: [] };
  // lookup and instanceof: pdf-lib's typed lookups throw on an object of another type.
  const dss = doc.catalog.lookup(PDFName.of('DSS'));
  if (!(dss instanceof PDFDict)) return contents;
  const budget = new DecodeBudget(limits.streamBytes, limits.totalBytes);
  for (const [field, key] of Object.entries(DSS_KEYS) as Array<[keyof DssContents, string]>) {
    const array = dss.lookup(PDFName.of(key));
    for (const item of array instanceof PDFArray ? array.asArray() : []) {
      const bytes = streamBytes(doc.context.lookup(item), budget);
      if (bytes) contents[field].push(bytes);
    }
  }
  return contents;
}

/**
 * Appends (or extends) the DSS in an incremental update. Evidence already in the DSS is not
 * written twice. Returns the PDF unchanged when there is nothing new.
 */
export async function appendDss(pdf: Uint8Array, add: DssContents): Promise<Uint8Array> {
  const model = await openPdfModel(pdf);
  const previous = previousXref(model);
  const doc = model.document;
  const context = doc.context;
  context.largestObjectNumber = Math.max(context.largestObjectNumber, previous.size - 1);
  const catalogRef = context.trailerInfo.Root;
  if (!(catalogRef instanceof PDFRef)) throw new Error('PDF trailer has no /Root reference');
  const catalog = context.lookup(catalogRef, PDFDict);
  const present = await readDss(doc);
  const objects: IndirectObjectBody[] = [];
  // In an encrypted file, each as the file stores it (the model is in the clear).
  const forFile = async (ref: PDFRef, object: PDFObject) =>
    serializePdfObject(await objectForFile(model.encryption, ref, object));

  const existingRef = catalog.get(PDFName.of('DSS'));
  const dss = existingRef instanceof PDFRef ? context.lookup(existingRef, PDFDict) : context.obj({});
  const dssRef = existingRef instanceof PDFRef ? existingRef : context.nextRef();
  let added = 0;
  for (const [field, key] of Object.entries(DSS_KEYS) as Array<[keyof DssContents, string]>) {
    const seen = new Set(present[field].map(bytesToHex));
    // Arrays are rewritten inline in the DSS dictionary (an indirect array would be a second object to track).
    const array = PDFArray.withContext(context);
    for (const item of dss.lookupMaybe(PDFName.of(key), PDFArray)?.asArray() ?? []) array.push(item);
    for (const bytes of add[field]) {
      const hex = bytesToHex(bytes);
      if (seen.has(hex)) continue;
      seen.add(hex);
      const stream = context.flateStream(bytes);
      const ref = context.nextRef();
      objects.push({ ref, body: await forFile(ref, stream) });
      array.push(ref);
      added++;
    }
    if (array.size() > 0) dss.set(PDFName.of(key), array);
  }
  if (added === 0) return pdf;
  objects.push({ ref: dssRef, body: await forFile(dssRef, dss) });
  if (!(existingRef instanceof PDFRef)) {
    catalog.set(PDFName.of('DSS'), dssRef);
    objects.push({ ref: catalogRef, body: await forFile(catalogRef, catalog) });
  }
  return appendIncrementalUpdate(pdf, context, objects, previous).pdf;
}

/**
 * Bytes reserved for a document time-stamp token: the largest token the host may pass to the
 * browser (LIMITS.maxCmsBase64Chars), so every token it accepts fits the placeholder.
 */
export const DOCUMENT_TIMESTAMP_CONTENTS_BYTES = MAX_TIMESTAMP_TOKEN_BYTES;

export interface DocumentTimestampOptions extends TimestampRequestOptions {
  /** Bytes reserved for the token; default DOCUMENT_TIMESTAMP_CONTENTS_BYTES. */
  contentsSize?: number;
}

/** B-LTA: a document time-stamp from `tsaUrl` over the whole file as it is (DSS included). */
export async function addDocumentTimestamp(
  pdf: Uint8Array,
  tsaUrl: string,
  options: DocumentTimestampOptions = {},
): Promise<Uint8Array> {
  const prepared = await preparePdfSignature(pdf, {
    documentTimestamp: true,
    contentsSize: options.contentsSize ?? DOCUMENT_TIMESTAMP_CONTENTS_BYTES,
  });
  const [, start, end, rest] = prepared.byteRange;
  const covered = new Uint8Array(start + rest);
  covered.set(prepared.pdf.subarray(0, start));
  covered.set(prepared.pdf.subarray(end), start);
  const token = await requestTimestamp(tsaUrl, covered, options);
  refuseOversizedToken(token, options.contentsSize ?? DOCUMENT_TIMESTAMP_CONTENTS_BYTES);
  return embedPdfSignature(prepared, token);
}

/**
 * B-LTA where someone else asks the TSA (the extension, through the native host): `timestamp`
 * gets the SHA-256 digest of what the document time-stamp covers and returns the token.
 */
export async function addDocumentTimestampOver(
  pdf: Uint8Array,
  timestamp: (sha256: Uint8Array) => Promise<Uint8Array>,
  contentsSize = DOCUMENT_TIMESTAMP_CONTENTS_BYTES,
): Promise<Uint8Array> {
  const prepared = await preparePdfSignature(pdf, { documentTimestamp: true, contentsSize });
  const token = await timestamp(prepared.digest);
  refuseOversizedToken(token, contentsSize);
  return embedPdfSignature(prepared, token);
}

export interface PdfSignatureField {
  /**
   * As written; all NaN when it is not four numbers (one range, three: what a reader digests is then
   * its own guess), so that no check passes on it and the signature is still counted.
   */
  byteRange: [number, number, number, number];
  /** /Contents: a CMS (signatures) or a TimeStampToken (document time-stamps), trailing zero padding removed. */
  contents: Uint8Array;
  subFilter?: string;
  documentTimestamp: boolean;
  /** /M as written (a PDF date string). */
  claimedTime?: string;
}

/**
 * The CMS in a zero-padded /Contents: as long as its own encoding says (trimming zeros would cut a
 * signature ending in 0x00, and the end-of-contents octets of NSS's indefinite-length BER).
 */
function trimPadding(bytes: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(bytes.slice().buffer);
  if (parsed.offset > 0 && parsed.offset <= bytes.length) return bytes.subarray(0, parsed.offset);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

/**
 * Every signature dictionary of the document (/ByteRange and /Contents), in file order of what they
 * cover; one whose /ByteRange is not four numbers first (it covers nothing that can be told).
 */
export function pdfSignatureFields(doc: PDFDocument): PdfSignatureField[] {
  const fields: PdfSignatureField[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict)) continue;
    const range = object.lookupMaybe(PDFName.of('ByteRange'), PDFArray);
    const contents = object.get(PDFName.of('Contents'));
    if (!range || !contents || !('asBytes' in contents)) continue;
    const numbers = range
      .asArray()
      .map((n) => ('asNumber' in n ? (n as unknown as { asNumber(): number }).asNumber() : NaN));
    const subFilter = object.lookupMaybe(PDFName.of('SubFilter'), PDFName)?.decodeText();
    const type = object.lookupMaybe(PDFName.of('Type'), PDFName)?.decodeText();
    const m = object.get(PDFName.of('M'));
    fields.push({
      byteRange: numbers.length === 4 ? (numbers as [number, number, number, number]) : [NaN, NaN, NaN, NaN],
      contents: trimPadding((contents as unknown as { asBytes(): Uint8Array }).asBytes()),
      ...(subFilter && { subFilter }),
      documentTimestamp: type === 'DocTimeStamp' || subFilter === 'ETSI.RFC3161',
      ...(m && 'decodeText' in m && { claimedTime: (m as unknown as { decodeText(): string }).decodeText() }),
    });
  }
  const end = ({ byteRange }: PdfSignatureField) =>
    Number.isFinite(byteRange[2] + byteRange[3]) ? byteRange[2] + byteRange[3] : -1;
  return fields.sort((a, b) => end(a) - end(b));
}

export interface ExtendPdfOptions extends DocumentTimestampOptions {
  level: 'B-LT' | 'B-LTA';
  /** For B-LTA (and for a TSA's own evidence). */
  tsaUrl?: string;
  /** Intermediates and roots the signatures do not carry. */
  certificates?: Uint8Array[];
  /** Only chains ending in these roots are checked online (GatherOptions.onlineRoots). */
  onlineRoots?: Uint8Array[];
}

export interface ExtendedPdf {
  pdf: Uint8Array;
  /** Certificates for which no revocation evidence could be fetched. */
  missing: string[];
}

/**
 * B-T → B-LT (DSS with every signature's and time-stamp's chain and revocation evidence) → B-LTA
 * (then a document time-stamp). Works on any signed PDF, kyso's or not.
 */
export async function extendPdf(pdf: Uint8Array, options: ExtendPdfOptions): Promise<ExtendedPdf> {
  if (options.level === 'B-LTA' && !options.tsaUrl) throw new TypeError('PAdES B-LTA needs a tsaUrl');
  const doc = (await openPdfModel(pdf)).document;
  const fields = pdfSignatureFields(doc);
  if (fields.length === 0) throw new Error('the PDF has no signature to extend');
  const data = await gatherValidationData(
    fields.map((f) => f.contents),
    options,
  );
  let out = await appendDss(pdf, data);
  if (options.level === 'B-LTA') out = await addDocumentTimestamp(out, options.tsaUrl!, options);
  return { pdf: out, missing: data.missing };
}
