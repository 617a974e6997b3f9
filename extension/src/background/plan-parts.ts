/**
 * What every XML document plan builds alike (documents.ts, plugins/generic-xml-plan.ts): the
 * consent entry's common fields, what a prepared document asks the host to sign, and the
 * signature the host's answer carries.
 */
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { PageDocument } from '../../../shared/protocol/page.js';
import type { XmlDigestAlgorithm } from '../../../shared/xml/algorithms.js';
import type { PreparedXmlSignature } from '../../../shared/xml/xmldsig.js';

/** Name, size and the SHA-1 warning: what the consent window shows of any XML document. */
export function xmlConsentFields(
  document: Extract<PageDocument, { kind: 'xml' }>,
  digestAlgorithm: XmlDigestAlgorithm,
) {
  return {
    name: document.name,
    kind: 'xml' as const,
    size: new TextEncoder().encode(document.xml).length,
    ...(digestAlgorithm === 'SHA-1' && { sha1: true as const }),
  };
}

/**
 * What completing a prepared XML signature adds at most: the SignatureValue, and the KeyInfo with
 * the certificate (LIMITS.maxCertificateBase64Chars) and its subject name (escaped, up to thrice
 * the certificate's bytes).
 */
const XML_COMPLETION_CHARS = 56 * 1024;

/**
 * XMLDSig rsa-sha1 signs a DigestInfo the token must not hash again; SHA-256 signs the bare digest.
 * A document whose signed form the page could not be given (LIMITS.maxSignedXmlChars: serialising
 * again may lengthen it) is refused here, before the token signs it: that document's error alone.
 */
export function xmlSignItem(
  prepared: Pick<PreparedXmlSignature, 'digestAlgorithm' | 'digestInfo' | 'signedInfoDigest' | 'xml'>,
): SignItem {
  if (prepared.xml.length + XML_COMPLETION_CHARS > LIMITS.maxSignedXmlChars)
    throw new KysoError('DOCUMENT_TOO_LARGE', 'the signed XML document would be too large to return', {
      signedChars: prepared.xml.length + XML_COMPLETION_CHARS,
      limitMiB: Math.floor(LIMITS.maxSignedXmlChars / (1024 * 1024)),
    });
  return prepared.digestAlgorithm === 'SHA-1'
    ? { kind: 'sha1-digest-info', digestInfo: bytesToBase64(prepared.digestInfo!) }
    : { kind: 'raw', digest: bytesToBase64(prepared.signedInfoDigest), digestAlgorithm: 'SHA-256' };
}

export function signatureOf(result: Extract<SignItemResult, { ok: true }>): Uint8Array {
  if (!('signature' in result)) throw new KysoError('INTERNAL', 'the host answered without a signature');
  return base64ToBytes(result.signature);
}
