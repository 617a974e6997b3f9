/** Verifying any document kyso signs: CMS, PDF or XML, by its first bytes. */
import { readContentInfo, TooManyCertificatesError } from '../../shared/cms/content-info.js';
import { parseSignedData } from '../../shared/cms/long-term.js';
import { InputError, cmsBytes, cmsReport } from './cms.js';
import { assertVerifyOptions, type VerifyOptions } from './judge.js';
import { verifyPdfSignatures } from './pdf.js';
import { overall, type VerificationReport } from './report.js';
import { verifyXmlSignature } from './xml.js';
import { decodeXml } from '../../shared/xml/dom.js';

/** An XML document's text (UTF-8, a byte-order mark dropped); anything else is not one we read. */
function decodeXmlDocument(document: Uint8Array): string {
  try {
    return decodeXml(document);
  } catch {
    throw new InputError('not an acceptable XML document: it is not UTF-8', 'UNKNOWN_FORMAT');
  }
}

export interface CmsInput {
  /** The CMS: DER bytes, or base64 / PEM of them (kyso's SDK returns base64). */
  cms: Uint8Array | string;
  /** The signed data of a detached signature, or its digest (with the signer's digest algorithm). */
  content?: Uint8Array;
  contentDigest?: Uint8Array;
}

/** More signers than one CMS is judged for: each costs a signature check and revocation look-ups. */
export const MAX_CMS_SIGNERS = 16;

/**
 * A detached (give the content or its digest) or attached CMS / CAdES signature, with any CAdES-LT
 * values it carries. A CMS several people signed gets one report per signer, in the CMS's order;
 * it is valid only when every one is (as `openssl cms -verify` requires).
 */
export async function verifyCmsSignature(
  input: CmsInput,
  options: VerifyOptions,
): Promise<VerificationReport> {
  assertVerifyOptions(options);
  const validationTime = options.validationTime ?? new Date();
  const cms = cmsBytes(input.cms);
  try {
    readContentInfo(cms);
  } catch (error) {
    if (error instanceof TooManyCertificatesError) throw new InputError(error.message, 'TOO_LARGE');
  }
  const parsed = parseSignedData(cms);
  if (!parsed) throw new InputError('not a CMS SignedData (truncated, or not DER)', 'NOT_DER');
  const signers = parsed.signedData.signerInfos.length;
  if (signers > MAX_CMS_SIGNERS)
    throw new InputError(`the CMS has ${signers} signers, more than ${MAX_CMS_SIGNERS}`, 'TOO_LARGE');
  const signatures = [];
  for (let signer = 0; signer < signers; signer++)
    signatures.push(
      await cmsReport(
        cms,
        {
          ...(input.content && { content: input.content }),
          ...(input.contentDigest && { contentDigest: input.contentDigest }),
        },
        { ...options, validationTime },
        { format: 'CMS', ...(signers > 1 && { signer }) },
      ),
    );
  return overall(signatures, validationTime);
}

export type DocumentFormat = 'pdf' | 'xml' | 'cms';

/** What a document is, by its first bytes: %PDF-, '<' (XML), or a CMS (DER 0x30, base64, PEM). */
export function detectFormat(document: Uint8Array): DocumentFormat {
  // A CMS with a PDF inside (a .pdf.p7m) has %PDF- in its first 1024 bytes too: DER SignedData first.
  if (document[0] === 0x30 && parseSignedData(document)) return 'cms';
  const head = Buffer.from(document.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return 'pdf';
  const trimmed = head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (trimmed.startsWith('<')) return 'xml';
  return 'cms';
}

/**
 * Any document kyso signs: a PDF, an XML document, or a CMS (`detached` is then the signed data).
 * Throws InputError for what is none of them.
 */
export async function verifyDocument(
  document: Uint8Array,
  options: VerifyOptions & { detached?: Uint8Array },
): Promise<VerificationReport> {
  const format = detectFormat(document);
  if (format === 'pdf') return verifyPdfSignatures(document, options);
  if (format === 'xml') return verifyXmlSignature(decodeXmlDocument(document), options);
  return verifyCmsSignature(
    { cms: document, ...(options.detached && { content: options.detached }) },
    options,
  );
}
