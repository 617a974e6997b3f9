/**
 * `kyso sign` for PDFs (PAdES) and XML tax returns / e-invoices (XMLDSig): the same format code as
 * the extension (shared/pdf, shared/xml), with the token reached directly. Each document is read
 * and checked before the PIN is asked.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { DEFAULT_FONT_URL, type PdfSignatureAppearance } from '../../../shared/pdf/appearance.js';
import { embedPdfSignature, preparePdfSignature } from '../../../shared/pdf/pades.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { summarizeXml } from '../../../shared/xml/summary.js';
import { completeXmlSignature, prepareXmlSignature } from '../../../shared/xml/xmldsig.js';
import type { SigningOperation } from '../signing/signing-operation.js';

export interface PdfOptions {
  level: 'B-B' | 'B-T';
  reason?: string;
  location?: string;
  /** Decree 30 text stamp lines (top right of page 1); `{time}` becomes the signing time. */
  stamp?: string[];
  /** Signature and/or seal image (PNG/JPEG files) in `rect` on page `page` (1-based). */
  image?: string;
  seal?: string;
  page?: number;
  rect?: [number, number, number, number];
}

export interface XmlOptions {
  profile: 'htkk' | 'einvoice';
  /** rsa-sha1, for receivers that still demand it (RSA keys only). */
  sha1: boolean;
}

/** The stamp font: beside the bundled host (dist/host/fonts), else in the source tree. */
function stampFont(): Uint8Array {
  const candidates = [
    fileURLToPath(DEFAULT_FONT_URL),
    path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/pdf/fonts/LiberationSerif-Regular.ttf'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new KysoError('INTERNAL', 'the stamp font is missing from this installation');
  return new Uint8Array(readFileSync(found));
}

function appearanceOf(options: PdfOptions): PdfSignatureAppearance | undefined {
  if (options.stamp?.length) return { kind: 'stamp', lines: options.stamp, font: stampFont(), ...(options.page && { pageIndex: options.page - 1 }) };
  if (options.image || options.seal) {
    if (!options.rect) throw new KysoError('BAD_REQUEST', '--image/--seal need --rect x,y,width,height (PDF points from the bottom left)');
    const [x, y, width, height] = options.rect;
    return {
      kind: 'image',
      rect: { x, y, width, height },
      ...(options.page && { pageIndex: options.page - 1 }),
      ...(options.image && { signatureImage: new Uint8Array(readFileSync(options.image)) }),
      ...(options.seal && { sealImage: new Uint8Array(readFileSync(options.seal)) }),
    };
  }
  return undefined;
}

/** A prepared document: checked now; `sign` runs once the token is open. */
export interface DocumentSigning {
  sign(operation: SigningOperation, entry: CertificateEntry, now: Date): Promise<Uint8Array>;
}

export async function pdfSigning(file: string, options: PdfOptions): Promise<DocumentSigning> {
  const pdf = new Uint8Array(readFileSync(file));
  if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') throw new KysoError('BAD_REQUEST', `${file} is not a PDF`);
  const pages = (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
  if ((options.page ?? 1) > pages) throw new KysoError('BAD_REQUEST', `the PDF has ${pages} pages`);
  const appearance = appearanceOf(options);
  return {
    async sign(operation, entry, now) {
      const prepared = await preparePdfSignature(pdf, {
        signingTime: now,
        ...(options.reason && { reason: options.reason }),
        ...(options.location && { location: options.location }),
        ...(appearance && { appearance }),
      });
      // PAdES: no signingTime attribute (the time is /M); B-T: the TSA time-stamps the signature.
      const cms = await operation.signCms(bytesToBase64(prepared.digest), prepared.digestAlgorithm, false, undefined, options.level === 'B-T');
      return embedPdfSignature(prepared, base64ToBytes(cms));
    },
  };
}

export function xmlSigning(file: string, options: XmlOptions): DocumentSigning {
  const xml = readFileSync(file, 'utf8');
  summarizeXml(xml, options.profile); // refuses a document that does not fit, before the PIN
  return {
    async sign(operation, entry) {
      const prepared = await prepareXmlSignature(xml, {
        profile: options.profile,
        keyType: entry.keyType,
        digestAlgorithm: options.sha1 ? 'SHA-1' : 'SHA-256',
        allowSha1: options.sha1,
      });
      let signature: string;
      if (prepared.digestAlgorithm === 'SHA-1') {
        const [result] = await operation.signItems([{ kind: 'sha1-digest-info', digestInfo: bytesToBase64(prepared.digestInfo!) }]);
        if (!result?.ok || !('signature' in result)) throw result && !result.ok ? KysoError.fromWire(result.error) : new KysoError('INTERNAL');
        signature = result.signature;
      } else {
        signature = await operation.signRaw(bytesToBase64(prepared.signedInfoDigest), 'SHA-256');
      }
      const certificate = base64ToBytes(entry.certificate);
      return new TextEncoder().encode(completeXmlSignature(prepared, base64ToBytes(signature), certificate, entry.keyType));
    },
  };
}
