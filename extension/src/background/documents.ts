/**
 * Documents a page sends whole (PDF, XML) are prepared here, in the extension: the consent window
 * describes what is really signed, and only the digest goes on to the host. Digests a page sends
 * ('cms', 'raw') pass through.
 *
 *   planDocument (on request: validate, describe)  →  user consents  →
 *   prepare (with the signer's certificate: the host item)  →  host signs  →  finish (the page's result)
 */
import { PDFDocument } from 'pdf-lib';
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { embedPdfSignature, preparePdfSignature } from '../../../shared/pdf/pades.js';
import type { PdfSignatureAppearance } from '../../../shared/pdf/appearance.js';
import type { RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { PageDocument, PageDocumentResult, PdfAppearance } from '../../../shared/protocol/page.js';
import { completeXmlSignature, prepareXmlSignature } from '../../../shared/xml/xmldsig.js';
import { summarizeXml } from '../../../shared/xml/summary.js';
import type { ConsentDocument, DocumentContent } from './messages.js';

/** The signer, as begin-batch reports it. */
export interface Signer {
  certificate: Uint8Array;
  keyType: 'RSA' | 'EC';
  name: string;
}

export function signerOf(certificateBase64: string): Signer {
  const certificate = base64ToBytes(certificateBase64);
  const summary = summarizeCertificate(certificate);
  if (summary.keyType === 'other') throw new KysoError('CERTIFICATE_NOT_USABLE', undefined, { problem: 'key type' });
  return { certificate, keyType: summary.keyType, name: holderName(summary) };
}

export interface PreparedDocument {
  item: SignItem;
  finish(result: Extract<SignItemResult, { ok: true }>): PageDocumentResult;
}

export interface DocumentPlan {
  consent: ConsentDocument;
  /** Needs a time-stamp from the TSA in the settings. */
  timestamp: boolean;
  /** What the window shows when the user opens the document. */
  content(): Promise<DocumentContent>;
  prepare(signer: Signer, now: Date): Promise<PreparedDocument>;
}

const cmsOf = (result: Extract<SignItemResult, { ok: true }>): string => {
  if (!('cms' in result)) throw new KysoError('INTERNAL', 'the host answered without a CMS');
  return result.cms;
};
const signatureOf = (result: Extract<SignItemResult, { ok: true }>): Uint8Array => {
  if (!('signature' in result)) throw new KysoError('INTERNAL', 'the host answered without a signature');
  return base64ToBytes(result.signature);
};

function badDocument(index: number, error: unknown): KysoError {
  const details = { document: index, ...(error instanceof KysoError ? error.details : {}) };
  return new KysoError('BAD_REQUEST', `document ${index + 1}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500), details);
}

function appearanceOf(appearance: PdfAppearance): PdfSignatureAppearance {
  if (appearance.kind === 'stamp') return { ...appearance };
  return {
    kind: 'image',
    rect: appearance.rect,
    ...(appearance.pageIndex !== undefined && { pageIndex: appearance.pageIndex }),
    ...(appearance.signatureImage && { signatureImage: base64ToBytes(appearance.signatureImage) }),
    ...(appearance.sealImage && { sealImage: base64ToBytes(appearance.sealImage) }),
  };
}

const PDF_HEADER = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

/** Checks and describes one document; throws BAD_REQUEST naming the document when it cannot be signed. */
export async function planDocument(document: PageDocument, index: number, rsaScheme?: RsaScheme): Promise<DocumentPlan> {
  try {
    return await plan(document, rsaScheme);
  } catch (error) {
    throw badDocument(index, error);
  }
}

async function plan(document: PageDocument, rsaScheme?: RsaScheme): Promise<DocumentPlan> {
  switch (document.kind) {
    case 'cms':
    case 'raw': {
      const consent: ConsentDocument = { name: document.name, kind: document.kind, digest: document.digest, digestAlgorithm: document.digestAlgorithm };
      const item: SignItem =
        document.kind === 'cms'
          ? {
              kind: 'cms',
              digest: document.digest,
              digestAlgorithm: document.digestAlgorithm,
              signingTime: true,
              ...(document.timestamp && { timestamp: true }),
              ...(rsaScheme && { rsaScheme }),
            }
          : { kind: 'raw', digest: document.digest, digestAlgorithm: document.digestAlgorithm, ...(rsaScheme && { rsaScheme }) };
      const finish =
        document.kind === 'cms'
          ? (r: Extract<SignItemResult, { ok: true }>) => ({ ok: true as const, cms: cmsOf(r) })
          : (r: Extract<SignItemResult, { ok: true }>) => ({ ok: true as const, signature: bytesToBase64(signatureOf(r)) });
      return {
        consent: { ...consent, ...(document.kind === 'cms' && document.timestamp && { timestamp: true }) },
        timestamp: document.kind === 'cms' && document.timestamp === true,
        content: () => Promise.resolve({ kind: 'digest' }),
        prepare: async () => ({ item, finish }),
      };
    }
    case 'pdf': {
      const pdf = base64ToBytes(document.pdf);
      if (!PDF_HEADER.every((byte, i) => pdf[i] === byte)) throw new Error('not a PDF (no %PDF- header)');
      const pages = (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
      const appearance = document.appearance ? appearanceOf(document.appearance) : undefined;
      if (appearance && (appearance.pageIndex ?? 0) >= pages)
        throw new Error(`the appearance is on page ${(appearance.pageIndex ?? 0) + 1}; the PDF has ${pages}`);
      const timestamp = document.level === 'B-T';
      return {
        consent: { name: document.name, kind: 'pdf', size: pdf.length, pages, ...(timestamp && { timestamp }) },
        timestamp,
        // TODO(#12): the prepared revision's bytes, resolved through the xref chain.
        content: () => Promise.resolve({ kind: 'pdf', pdf: document.pdf }),
        async prepare(signer, now) {
          const prepared = await preparePdfSignature(pdf, {
            signingTime: now,
            name: signer.name,
            ...(document.reason && { reason: document.reason }),
            ...(document.location && { location: document.location }),
            ...(appearance && { appearance }),
          });
          return {
            // PAdES: no signingTime attribute (the time is the dictionary's /M).
            item: {
              kind: 'cms',
              digest: bytesToBase64(prepared.digest),
              digestAlgorithm: prepared.digestAlgorithm,
              signingTime: false,
              ...(timestamp && { timestamp }),
              ...(rsaScheme && { rsaScheme }),
            },
            finish: (result) => ({ ok: true, pdf: bytesToBase64(embedPdfSignature(prepared, base64ToBytes(cmsOf(result)))) }),
          };
        },
      };
    }
    case 'xml': {
      const summary = summarizeXml(document.xml, document.profile);
      const digestAlgorithm = document.digestAlgorithm ?? 'SHA-256';
      return {
        consent: {
          name: document.name,
          kind: 'xml',
          size: new TextEncoder().encode(document.xml).length,
          profile: document.profile,
          summary,
          ...(digestAlgorithm === 'SHA-1' && { sha1: true }),
        },
        timestamp: false,
        // TODO(#12): every value inside the signed element.
        content: () => Promise.resolve({ kind: 'xml', rows: summary.map(({ field, value }) => ({ path: field, value })) }),
        async prepare(signer, now) {
          // XMLDSig rsa-sha* is PKCS#1 v1.5 whatever the portal asked for its CMS.
          const prepared = await prepareXmlSignature(document.xml, {
            profile: document.profile,
            keyType: signer.keyType,
            digestAlgorithm,
            allowSha1: document.allowSha1 === true,
            signingTime: now,
          });
          const item: SignItem =
            prepared.digestAlgorithm === 'SHA-1'
              ? { kind: 'sha1-digest-info', digestInfo: bytesToBase64(prepared.digestInfo!) }
              : { kind: 'raw', digest: bytesToBase64(prepared.signedInfoDigest), digestAlgorithm: 'SHA-256' };
          return { item, finish: (result) => ({ ok: true, xml: completeXmlSignature(prepared, signatureOf(result), signer.certificate, signer.keyType) }) };
        },
      };
    }
  }
}
