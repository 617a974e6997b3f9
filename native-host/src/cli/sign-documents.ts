/**
 * `kyso sign` for PDFs (PAdES) and XML tax returns / e-invoices (XMLDSig): the same format code as
 * the extension (shared/pdf, shared/xml), with the token reached directly. Each document is read
 * and checked before the PIN is asked.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { DEFAULT_FONT_URL, type PdfSignatureAppearance } from '../../../shared/pdf/appearance.js';
import { planAppearance } from '../../../shared/pdf/appearance-plan.js';
import { appearanceImageInfo, type AppearanceImageField } from '../../../shared/pdf/appearance-image.js';
import { assertSignable } from '../../../shared/pdf/docmdp.js';
import { openPdfModel } from '../../../shared/pdf/model.js';
import {
  appearanceInField,
  findSignatureField,
  type FieldAppearance,
  type SignatureField,
} from '../../../shared/pdf/signature-field.js';
import { assertSeedValue, signatureMade } from '../../../shared/pdf/seed-value.js';
import { readCertificateSeed } from '../../../shared/pdf/certificate-seed.js';
import { assertSeedCertificate, seedProblems } from '../../../shared/certificate/seed-match.js';
import { assertLockPermissions } from '../../../shared/pdf/field-lock.js';
import { embedPdfSignature, preparePdfSignature } from '../../../shared/pdf/pades.js';
import { pdfWarnings } from '../../../shared/pdf/warnings.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { decodeXml } from '../../../shared/xml/dom.js';
import type { XmlSignatureProfile } from '../../../shared/xml/profiles.js';
import { summarizeXml } from '../../../shared/xml/summary.js';
import { signerTaxCodes } from '../../../shared/xml/signer-party.js';
import { completeXmlSignature, prepareXmlSignature } from '../../../shared/xml/xmldsig.js';
import type { SigningOperation } from '../signing/signing-operation.js';

export interface PdfOptions {
  /** B-LT / B-LTA: after signing, validation data (DSS) and for B-LTA a document time-stamp, fetched by this process. */
  level: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
  /** The TSA for B-T and above (also the document time-stamp of B-LTA). */
  tsaUrl?: string;
  reason?: string;
  location?: string;
  /** Decree 30 text stamp lines (top right of page 1); `{time}` becomes the signing time. */
  stamp?: string[];
  /** Signature and/or seal image (PNG/JPEG files) in `rect` on page `page` (1-based). */
  image?: string;
  seal?: string;
  page?: number;
  rect?: [number, number, number, number];
  /** Certify (DocMDP) with these permissions: 1 no changes, 2 forms and signatures, 3 also annotations. */
  certify?: 1 | 2 | 3;
  /** Sign into the PDF's own empty signature field of this fully qualified name; images fill its box. */
  field?: string;
}

export interface XmlOptions {
  profile: XmlSignatureProfile;
  /** rsa-sha1, for receivers that still demand it (RSA keys only). */
  sha1: boolean;
}

/** The stamp font: beside the bundled host (dist/host/fonts), else in the source tree. */
function stampFont(): Uint8Array {
  const candidates = [
    fileURLToPath(DEFAULT_FONT_URL),
    path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../../shared/pdf/fonts/LiberationSerif-Regular.ttf',
    ),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found)
    throw new KysoError(
      'INTERNAL',
      `the stamp font is missing from this installation (${candidates[0]}): reinstall kyso`,
    );
  return new Uint8Array(readFileSync(found));
}

function appearanceOf(options: PdfOptions, target?: SignatureField): PdfSignatureAppearance | undefined {
  let requested: FieldAppearance | undefined;
  if (options.stamp?.length)
    requested = {
      kind: 'stamp',
      lines: options.stamp,
      font: stampFont(),
      ...(options.page && { pageIndex: options.page - 1 }),
    };
  else if (options.image || options.seal) {
    const rect = options.rect && {
      x: options.rect[0],
      y: options.rect[1],
      width: options.rect[2],
      height: options.rect[3],
    };
    requested = {
      kind: 'image',
      ...(rect && { rect }),
      ...(options.page && { pageIndex: options.page - 1 }),
      ...(options.image && {
        signatureImage: readImage(options.image, '--image', 'appearance.signatureImage'),
      }),
      ...(options.seal && { sealImage: readImage(options.seal, '--seal', 'appearance.sealImage') }),
    };
  }
  // Into a field without an image: the signer's name and the signing time, in the stamp's font.
  if (target) return appearanceInField(requested, target, stampFont());
  if (requested?.kind === 'image' && !requested.rect)
    throw new KysoError(
      'BAD_REQUEST',
      '--image/--seal need --rect x,y,width,height (PDF points from the bottom left)',
    );
  return requested as PdfSignatureAppearance | undefined;
}

/**
 * A signature or seal image file, read and checked (PNG or JPEG, a size that decodes) before the
 * PIN, as the extension checks a page's: a missing file is BAD_REQUEST naming it, not Node's ENOENT
 * as an internal error, and a file that is no image is refused before the token signs for nothing.
 */
function readImage(file: string, option: string, field: AppearanceImageField): Uint8Array {
  readableFileSize(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    throw new KysoError('BAD_REQUEST', `cannot read ${file}`);
  }
  try {
    appearanceImageInfo(bytes, field);
  } catch (error) {
    // The page's field name means nothing here: the option and the file do.
    const problem = error instanceof KysoError ? error.message.replace(`${field}: `, '') : 'not an image';
    throw new KysoError('BAD_REQUEST', `${option} ${file}: ${problem}`);
  }
  return bytes;
}

/** A library's exception (a broken image, a font) as a typed error: its text is not for the person signing. */
async function ourErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof KysoError) throw error;
    throw new KysoError('BAD_REQUEST', 'the document could not be prepared for signing');
  }
}

/** A prepared document: checked now; `sign` runs once the token is open. */
export interface DocumentSigning {
  /** Refuses, before the PIN, a certificate this document cannot be signed with (a name its field's text cannot draw). */
  checkSigner?(entry: CertificateEntry, issuers: readonly Uint8Array[]): Promise<void>;
  /** A tax return's or an e-invoice's signing party's tax codes, read from it (signer-party.ts). */
  signerTaxCodes?: string[];
  /** `issuers`: the CA certificates the token holds above the signer's (QueuedTokens.issuersOf). */
  sign(
    operation: SigningOperation,
    entry: CertificateEntry,
    now: Date,
    issuers: readonly Uint8Array[],
  ): Promise<Uint8Array>;
}

/** The size of a file this process can read; missing, unreadable or a directory is BAD_REQUEST naming it. */
export function readableFileSize(file: string): number {
  try {
    accessSync(file, constants.R_OK);
    const stats = statSync(file);
    if (!stats.isDirectory()) return stats.size;
  } catch {
    // Node's reason (ENOENT, EACCES) is not for the person signing: the path says enough.
  }
  throw new KysoError('BAD_REQUEST', `cannot read ${file}`);
}

/** The file's bytes, refused over the same limit as in the browser (DOCUMENT_TOO_LARGE, in MiB). */
function readDocument(file: string, limitBytes: number): Buffer {
  const size = readableFileSize(file);
  if (size > limitBytes)
    throw new KysoError('DOCUMENT_TOO_LARGE', undefined, {
      limitMiB: Math.floor(limitBytes / (1024 * 1024)),
    });
  try {
    return readFileSync(file);
  } catch {
    throw new KysoError('BAD_REQUEST', `cannot read ${file}`);
  }
}

export async function pdfSigning(
  file: string,
  options: PdfOptions,
  warn?: (line: string) => void,
): Promise<DocumentSigning> {
  const pdf = new Uint8Array(readDocument(file, LIMITS.maxPdfBytes));
  // The same model as the extension: the objects the xref designates; typed refusals otherwise.
  const model = await openPdfModel(pdf);
  // Certified with "no changes": a signature would invalidate it (PDF_CERTIFIED, before the PIN).
  assertSignable(model.document);
  const pages = model.pageCount;
  if ((options.page ?? 1) > pages) throw new KysoError('BAD_REQUEST', `the PDF has ${pages} pages`);
  // The document's own field: found before the PIN (sign-options.ts kept --rect and --page out).
  const target = options.field !== undefined ? findSignatureField(model, options.field) : undefined;
  // What the form requires of its signature (its seed value), before the PIN.
  const timestamped = options.level !== 'B-B';
  if (target) assertSeedValue(target, signatureMade({ ...options, timestamped }));
  // The certificates its seed value accepts: the one chosen is matched against it before the PIN.
  const certificateSeed = target && readCertificateSeed(target);
  // A lock's PDF 2.0 /P: kept by the certification, or BAD_REQUEST before the PIN.
  if (target) assertLockPermissions(model, target, options.certify);
  const warnings = pdfWarnings(model, target);
  if (options.certify && warnings.some((w) => w.code === 'pdf-existing-signatures'))
    throw new KysoError('BAD_REQUEST', 'only the first signature of a document can certify it', {
      problem: 'certify-after-signature',
    });
  for (const warning of warnings)
    warn?.(
      `${warning.code}${warning.count ? ` ×${warning.count}` : ''}${warning.names ? `: ${warning.names.map((n) => JSON.stringify(n)).join(', ')}` : ''}`,
    );
  const appearance = appearanceOf(options, target);
  // Built as prepare will build it, before the PIN: images decoded, a stamp's text drawable.
  if (appearance) await ourErrors(() => planAppearance(model, appearance, new Date()));
  /** The certificate's holder, as the extension names the signer (the field's text shows it). */
  const nameOf = (entry: CertificateEntry) =>
    holderName(summarizeCertificate(base64ToBytes(entry.certificate)));
  return {
    async checkSigner(entry, issuers) {
      if (target && certificateSeed) {
        const certificate = base64ToBytes(entry.certificate);
        assertSeedCertificate(certificateSeed, target.name, certificate, issuers);
        const { hints } = seedProblems(certificateSeed, certificate, issuers);
        if (hints.length > 0)
          warn?.(
            `field-certificate-hint: the signature field ${JSON.stringify(target.name)} suggests another certificate (${hints.join(', ')})`,
          );
      }
      // A field's text draws the holder's name (FIELD_TEXT_LINES): a name its font cannot draw, before the PIN.
      if (appearance?.kind === 'stamp' && appearance.box)
        await ourErrors(() => planAppearance(model, { ...appearance, signer: nameOf(entry) }, new Date()));
    },
    async sign(operation, entry, now, issuers) {
      const prepared = await ourErrors(() =>
        preparePdfSignature(pdf, {
          signingTime: now,
          ...(options.reason && { reason: options.reason }),
          ...(options.location && { location: options.location }),
          ...(appearance && { appearance }),
          ...(options.certify && { certify: options.certify }),
          ...(target && { field: target.name }),
          name: nameOf(entry),
          timestamped,
          signerCertificate: base64ToBytes(entry.certificate),
          signerIssuers: issuers,
        }),
      );
      // PAdES: no signingTime attribute (the time is /M); B-T: the TSA time-stamps the signature.
      const cms = await operation.signCms({
        digest: bytesToBase64(prepared.digest),
        digestAlgorithm: prepared.digestAlgorithm,
        signingTime: false,
        timestamp: timestamped,
      });
      const signed = embedPdfSignature(prepared, base64ToBytes(cms));
      if (options.level !== 'B-LT' && options.level !== 'B-LTA') return signed;
      const [{ extendPdf }, { fetchMissingIssuers }] = await Promise.all([
        import('../../../shared/pdf/long-term.js'),
        import('../long-term.js'),
      ]);
      // As the host does for the extension: the signer's CA, when its token does not hold it (the
      // CMS then does not carry it), from its caIssuers address: the chain and the CA's revocation
      // evidence need it.
      const fetched = await fetchMissingIssuers(base64ToBytes(cms));
      const extended = await extendPdf(signed, {
        level: options.level,
        certificates: fetched,
        ...(options.tsaUrl && { tsaUrl: options.tsaUrl }),
      });
      // Signed all the same: what is missing is said, as the extension tells the page (missing).
      for (const certificate of extended.missing) warn?.(`no revocation evidence for ${certificate}`);
      return extended.pdf;
    },
  };
}

export async function xmlSigning(file: string, options: XmlOptions): Promise<DocumentSigning> {
  const xml = await ourErrors(() => decodeXml(readDocument(file, LIMITS.maxXmlChars)));
  // Refuses a document that does not fit, before the PIN.
  const summary = await ourErrors(() => summarizeXml(xml, options.profile));
  return {
    signerTaxCodes: signerTaxCodes({ profile: options.profile, summary }),
    async sign(operation, entry) {
      const prepared = await ourErrors(() =>
        prepareXmlSignature(xml, {
          profile: options.profile,
          keyType: entry.keyType,
          digestAlgorithm: options.sha1 ? 'SHA-1' : 'SHA-256',
          allowSha1: options.sha1,
        }),
      );
      let signature: string;
      if (prepared.digestAlgorithm === 'SHA-1') {
        const [result] = await operation.signItems([
          { kind: 'sha1-digest-info', digestInfo: bytesToBase64(prepared.digestInfo!) },
        ]);
        if (!result?.ok || !('signature' in result))
          throw result && !result.ok ? KysoError.fromWire(result.error) : new KysoError('INTERNAL');
        signature = result.signature;
      } else {
        signature = await operation.signRaw({
          digest: bytesToBase64(prepared.signedInfoDigest),
          digestAlgorithm: 'SHA-256',
        });
      }
      const certificate = base64ToBytes(entry.certificate);
      return new TextEncoder().encode(
        completeXmlSignature(prepared, base64ToBytes(signature), certificate, entry.keyType),
      );
    },
  };
}
