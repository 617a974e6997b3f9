/**
 * Documents a page sends whole (PDF, XML, text: text-plan.ts) are prepared here, in the extension: the consent window
 * describes what is really signed, and only the digest goes on to the host. Digests a page sends
 * ('cms', 'raw') pass through (digest-plan.ts).
 *
 * This module and what it imports (pdf-lib, the XML code, the certificate reader) run in the document
 * preparer (extension/src/documents: Chromium's offscreen document, Firefox's event page on demand),
 * never in the service worker's initial script: import only types from it in background code.
 *
 *   planDocument (on request: validate, describe)  →  user consents  →
 *   prepare (with the signer's certificate: the host item)  →  host signs  →  finish (the page's result)
 */
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64After, base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { assertSignable } from '../../../shared/pdf/docmdp.js';
import { openPdfModel } from '../../../shared/pdf/model.js';
import { embedPdfSignature, preparePdfSignature } from '../../../shared/pdf/pades.js';
import { addDocumentTimestampOver, appendDss } from '../../../shared/pdf/long-term.js';
import { pdfWarnings } from '../../../shared/pdf/warnings.js';
import type { PdfSignatureAppearance } from '../../../shared/pdf/appearance.js';
import { appearanceImageInfo } from '../../../shared/pdf/appearance-image.js';
import { appearanceWarnings, planAppearance } from '../../../shared/pdf/appearance-plan.js';
import {
  appearanceInField,
  findSignatureField,
  type FieldAppearance,
  type SignatureField,
} from '../../../shared/pdf/signature-field.js';
import { assertSeedValue, signatureMade } from '../../../shared/pdf/seed-value.js';
import { readCertificateSeed } from '../../../shared/pdf/certificate-seed.js';
import { assertLockPermissions } from '../../../shared/pdf/field-lock.js';
import type { RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type {
  PageDocument,
  PageDocumentResult,
  PdfAppearance,
  PdfTailResult,
} from '../../../shared/protocol/page.js';
import { completeXmlSignature, prepareXmlSignature } from '../../../shared/xml/xmldsig.js';
import { xmlContentRows } from '../../../shared/xml/signed-content.js';
import { summarizeXml } from '../../../shared/xml/summary.js';
import { planGenericXml } from '../plugins/generic-xml-plan.js';
import type { ConsentAppearance } from '../../../shared/protocol/consent.js';
import type { ConsentDocument, DocumentContent } from './messages.js';
import { cmsOf, planDigest } from './digest-plan.js';
import { signatureOf, xmlConsentFields, xmlSignItem } from './plan-parts.js';
import { planText } from './text-plan.js';

/** The signer, as begin-batch reports it. */
export interface Signer {
  certificate: Uint8Array;
  keyType: 'RSA' | 'EC';
  name: string;
  /** The CA certificates its token holds above it, nearest first. */
  issuers: Uint8Array[];
}

export function signerOf(certificateBase64: string, issuersBase64: readonly string[] = []): Signer {
  const certificate = base64ToBytes(certificateBase64);
  const summary = summarizeCertificate(certificate);
  if (summary.keyType === 'other')
    throw new KysoError('CERTIFICATE_NOT_USABLE', undefined, { problem: 'key type' });
  const issuers = issuersBase64.map(base64ToBytes);
  return { certificate, keyType: summary.keyType, name: holderName(summary), issuers };
}

/**
 * PAdES B-LT / B-LTA: what the native host fetches after signing (it has the network, as for
 * CAdES-T time-stamps; the TSA is the one in the settings, never the page's).
 */
export interface LongTermServices {
  /** The chain and OCSP responses / CRLs for a CMS the host made. */
  validationData(cms: string): Promise<{ certificates: string[]; ocsps: string[]; crls: string[] }>;
  /** A document time-stamp token over a SHA-256 digest. */
  documentTimestamp(sha256: Uint8Array): Promise<Uint8Array>;
}

/** A document's result, a signed PDF possibly as its tail after the page's own (PdfTailResultSchema). */
export type PreparedResult = PageDocumentResult | PdfTailResult;

/** The item the host signs, and what makes the document's result of its answer: in the preparer a PreparedResult, in the background a page's. */
export interface PreparedDocument<Result = PageDocumentResult> {
  item: SignItem;
  finish(
    result: Extract<SignItemResult, { ok: true }>,
    longTerm?: LongTermServices,
  ): Result | Promise<Result>;
}

/**
 * What B-LT/B-LTA append after the signature at most: the validation data (base64 within
 * LIMITS.maxValidationDataBase64Chars, stored as binary streams), the document time-stamp's
 * placeholder (DOCUMENT_TIMESTAMP_CONTENTS_BYTES, 15 KiB: 30 KiB as hex) and the dictionaries and cross-reference sections around them.
 */
const LONG_TERM_BYTES = (LIMITS.maxValidationDataBase64Chars / 4) * 3 + 96 * 1024;

/** A signed PDF the page could not be given (LIMITS.maxSignedPdfBytes): that document's error, not the batch's. */
function signedPdfTooLarge(bytes: number): KysoError {
  return new KysoError('DOCUMENT_TOO_LARGE', 'the signed PDF would be too large to return', {
    signedBytes: bytes,
    limitMiB: Math.floor(LIMITS.maxSignedPdfBytes / (1024 * 1024)),
  });
}

/** After the signed revision, each its own incremental update: the DSS (B-LT), then the document time-stamp (B-LTA). */
async function extendSignedPdf(
  signed: Uint8Array,
  cms: string,
  level: 'B-LT' | 'B-LTA',
  longTerm: LongTermServices | undefined,
): Promise<Uint8Array> {
  if (!longTerm) throw new KysoError('TSA_NOT_CONFIGURED');
  const data = await longTerm.validationData(cms);
  let pdf = await appendDss(signed, {
    certificates: data.certificates.map(base64ToBytes),
    ocsps: data.ocsps.map(base64ToBytes),
    crls: data.crls.map(base64ToBytes),
  });
  if (level === 'B-LTA')
    pdf = await addDocumentTimestampOver(pdf, (sha256) => longTerm.documentTimestamp(sha256));
  return pdf;
}

export interface DocumentPlan {
  consent: ConsentDocument;
  /** Needs a time-stamp from the TSA in the settings. */
  timestamp: boolean;
  /** What the window shows when the user opens the document. */
  content(): Promise<DocumentContent>;
  prepare(signer: Signer, now: Date): Promise<PreparedDocument<PreparedResult>>;
  /** The request is over: what content() holds for the window (a PDF's blob) is let go. */
  release?(): void;
}

/** Codes a person can act on, kept as they are; anything else is a bad request, without a library's words. */
const DOCUMENT_CODES = new Set([
  'PDF_ENCRYPTED',
  'PDF_DAMAGED',
  'PDF_AMBIGUOUS',
  'PDF_CERTIFIED',
  'XML_NOT_ACCEPTED',
  'DOCUMENT_TOO_LARGE',
]);

function badDocument(index: number, error: unknown): KysoError {
  if (error instanceof KysoError) {
    const details = { document: index, ...error.details };
    if (DOCUMENT_CODES.has(error.code))
      return new KysoError(error.code, `document ${index + 1}: ${error.message}`.slice(0, 500), details);
    return new KysoError('BAD_REQUEST', `document ${index + 1}: ${error.message}`.slice(0, 500), details);
  }
  // Not ours (a library's exception): its text is for developers, not for the page or the window.
  return new KysoError('BAD_REQUEST', `document ${index + 1} cannot be signed`, { document: index });
}

/**
 * The request's appearance as drawn; into `target`'s box when the document is signed into its own
 * field, where no appearance is the signer's name and the signing time (appearanceInField).
 */
function appearanceOf(
  appearance: PdfAppearance | undefined,
  target: SignatureField | undefined,
): PdfSignatureAppearance | undefined {
  const requested: FieldAppearance | undefined = !appearance
    ? undefined
    : appearance.kind === 'stamp'
      ? { ...appearance }
      : {
          kind: 'image',
          ...(appearance.rect && { rect: appearance.rect }),
          ...(appearance.pageIndex !== undefined && { pageIndex: appearance.pageIndex }),
          ...(appearance.signatureImage && { signatureImage: base64ToBytes(appearance.signatureImage) }),
          ...(appearance.sealImage && { sealImage: base64ToBytes(appearance.sealImage) }),
        };
  if (target) return appearanceInField(requested, target);
  // The schema asks an image appearance without a field for its rect.
  if (requested?.kind === 'image' && !requested.rect)
    throw new KysoError('BAD_REQUEST', 'an image appearance needs rect', { field: 'appearance.rect' });
  return requested as PdfSignatureAppearance | undefined;
}

/**
 * What the window shows of the appearance prepare will draw (the same object): its page and box,
 * each image's box and whose it is (configuredImage is left on a request only when the background
 * put the user's own image in its place: plugins/configured-images.ts), a stamp's lines.
 */
async function shownAppearance(
  model: Parameters<typeof planAppearance>[0],
  request: PdfAppearance | undefined,
  appearance: PdfSignatureAppearance,
): Promise<ConsentAppearance> {
  const planned = await planAppearance(model, appearance, new Date());
  const own = request?.kind === 'image' ? request.configuredImage : undefined;
  const images = (['signature', 'seal'] as const).flatMap((role) => {
    const rect = planned.images?.[role];
    return rect ? [{ role, source: own === role ? ('options' as const) : ('site' as const), rect }] : [];
  });
  return {
    page: planned.page,
    rect: planned.rect,
    pageShare: planned.pageShare,
    ...(images.length > 0 && { images }),
    ...(appearance.kind === 'stamp' && { lines: appearance.lines.map((line) => line.normalize('NFC')) }),
    // No appearance asked for a field: its box gets kyso's lines (appearanceInField).
    ...(appearance.kind === 'stamp' && !request && { signerText: true as const }),
  };
}

/** The images as drawn, for the window to draw over its preview. */
function appearanceImages(appearance: PdfSignatureAppearance | undefined) {
  if (appearance?.kind !== 'image') return [];
  return (
    [
      ['signature', appearance.signatureImage, 'appearance.signatureImage'],
      ['seal', appearance.sealImage, 'appearance.sealImage'],
    ] as const
  ).flatMap(([role, bytes, field]) =>
    bytes ? [{ role, type: appearanceImageInfo(bytes, field).type, data: bytesToBase64(bytes) }] : [],
  );
}

/** Checks and describes one document; throws BAD_REQUEST naming the document when it cannot be signed. */
export async function planDocument(
  document: PageDocument,
  index: number,
  rsaScheme?: RsaScheme,
): Promise<DocumentPlan> {
  try {
    return await plan(document, rsaScheme);
  } catch (error) {
    throw badDocument(index, error);
  }
}

async function plan(document: PageDocument, rsaScheme?: RsaScheme): Promise<DocumentPlan> {
  switch (document.kind) {
    case 'cms':
    case 'raw':
      return planDigest(document, rsaScheme);
    case 'pdf': {
      const pdf = base64ToBytes(document.pdf);
      // The objects the xref chain designates; ambiguous, damaged and encrypted files stop here.
      const model = await openPdfModel(pdf);
      // Certified with "no changes": a signature would invalidate it (PDF_CERTIFIED, before any window).
      assertSignable(model.document);
      const pages = model.pageCount;
      // The document's own empty field, found in these bytes (the prefix of the signed revision): BAD_REQUEST before any window otherwise.
      const target = document.field !== undefined ? findSignatureField(model, document.field) : undefined;
      // B-T and above: a signature time-stamp; B-LT/B-LTA then their validation data (finish).
      const timestamp = document.level !== undefined && document.level !== 'B-B';
      // What the form requires of its signature (its seed value): BAD_REQUEST before any window otherwise.
      if (target) assertSeedValue(target, signatureMade({ ...document, timestamped: timestamp }));
      // The certificates its seed value accepts: the window matches each one against it.
      const certificateSeed = target && readCertificateSeed(target);
      // A lock's PDF 2.0 /P: kept by the certification, or BAD_REQUEST before any window.
      if (target) assertLockPermissions(model, target, document.certify);
      const warnings = pdfWarnings(model, target);
      const appearance = appearanceOf(document.appearance, target);
      if (appearance && (appearance.pageIndex ?? 0) >= pages)
        throw new KysoError(
          'BAD_REQUEST',
          `the appearance is on page ${(appearance.pageIndex ?? 0) + 1}; the PDF has ${pages}`,
          { field: 'appearance.pageIndex' },
        );
      // Built as prepare will build it (images decoded, a stamp's box measured): a bad image stops here.
      const shown = appearance ? await shownAppearance(model, document.appearance, appearance) : undefined;
      if (shown) warnings.push(...appearanceWarnings(shown));
      if (document.certify && warnings.some((w) => w.code === 'pdf-existing-signatures'))
        throw new KysoError('BAD_REQUEST', 'only the first signature of a document can certify it', {
          problem: 'certify-after-signature',
        });
      const longTerm = document.level === 'B-LT' || document.level === 'B-LTA' ? document.level : undefined;
      let shownUrl: string | undefined; // the blob URL content() made, once: a batch's count and its opening share it
      return {
        consent: {
          name: document.name,
          kind: 'pdf',
          size: pdf.length,
          pages,
          ...(timestamp && { timestamp }),
          ...(longTerm && { longTerm }),
          ...(warnings.length > 0 && { warnings }),
          ...(document.certify && { certify: document.certify }),
          ...(document.reason && { reason: document.reason }),
          ...(document.location && { location: document.location }),
          ...(shown && { appearance: shown }),
          ...(target && {
            field: { name: target.name, page: target.pageIndex, ...(certificateSeed && { certificateSeed }) },
          }),
        },
        timestamp,
        // The original bytes, checked unambiguous above: the prepared revision only appends to
        // them, and preparePdfSignature reads it back to prove every object resolves the same
        // (shared/pdf/revision-check.ts), so this renders as the signed revision does, less the
        // signature's own appearance: the window draws that over it from consent.appearance and these images.
        content: () => {
          const images = appearanceImages(appearance);
          shownUrl ??= URL.createObjectURL(new Blob([pdf], { type: 'application/pdf' }));
          return Promise.resolve({ kind: 'pdf', url: shownUrl, ...(images.length > 0 && { images }) });
        },
        release() {
          if (shownUrl) URL.revokeObjectURL(shownUrl);
          shownUrl = undefined;
        },
        async prepare(signer, now) {
          const prepared = await preparePdfSignature(pdf, {
            signingTime: now,
            name: signer.name,
            ...(document.reason && { reason: document.reason }),
            ...(document.location && { location: document.location }),
            ...(appearance && { appearance }),
            ...(document.certify && { certify: document.certify }),
            ...(target && { field: target.name }),
            ...(timestamp && { timestamped: true }),
            // The window let only a certificate the field accepts be chosen; matched again here.
            signerCertificate: signer.certificate,
            signerIssuers: signer.issuers,
          });
          // Checked before the token signs: a revision the page could not be given (large images
          // drawn into a PDF near its limit) is this document's error, and nothing is signed for it.
          const grown = prepared.pdf.length + (longTerm ? LONG_TERM_BYTES : 0);
          if (grown > LIMITS.maxSignedPdfBytes) throw signedPdfTooLarge(grown);
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
            finish: async (result, services) => {
              const cms = cmsOf(result);
              const signed = embedPdfSignature(prepared, base64ToBytes(cms));
              const pdf = longTerm ? await extendSignedPdf(signed, cms, longTerm, services) : signed;
              if (pdf.length > LIMITS.maxSignedPdfBytes) throw signedPdfTooLarge(pdf.length);
              const whole = bytesToBase64(pdf);
              // An incremental update: only what follows the page's own bytes goes back (the holder of those puts them in front).
              const pdfTail = base64After(document.pdf, whole);
              return pdfTail !== undefined ? { ok: true, pdfTail } : { ok: true, pdf: whole };
            },
          };
        },
      };
    }
    case 'text':
      return planText(document, rsaScheme);
    case 'xml': {
      const profile = document.profile;
      if (profile === 'generic') return planGenericXml(document);
      const summary = summarizeXml(document.xml, profile);
      const digestAlgorithm = document.digestAlgorithm ?? 'SHA-256';
      return {
        consent: { ...xmlConsentFields(document, digestAlgorithm), profile, summary },
        timestamp: false,
        content: () => Promise.resolve({ kind: 'xml', rows: xmlContentRows(document.xml, profile) }),
        async prepare(signer, now) {
          // XMLDSig rsa-sha* is PKCS#1 v1.5 whatever the portal asked for its CMS.
          const prepared = await prepareXmlSignature(document.xml, {
            profile,
            keyType: signer.keyType,
            digestAlgorithm,
            allowSha1: document.allowSha1 === true,
            signingTime: now,
          });
          return {
            item: xmlSignItem(prepared),
            finish: (result) => ({
              ok: true,
              xml: completeXmlSignature(prepared, signatureOf(result), signer.certificate, signer.keyType),
            }),
          };
        },
      };
    }
  }
}
