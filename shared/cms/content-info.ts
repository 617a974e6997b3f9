/**
 * Reading a CMS ContentInfo (or a CRL) whatever its size. asn1js refuses content over 16 MiB unless told
 * otherwise, so an attached signature of a larger document (which kyso signs, and openssl reads)
 * would not read back. The bound here is the input itself: nothing inside can be longer, and what
 * reaches this point was already size-limited by whoever read it (the verifier's body limit, a file).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../encoding.js';
import { LIMITS } from '../protocol/limits.js';

/**
 * `der` read by asn1js with limits the input itself sets: asn1js's defaults (16 MiB of content,
 * 10 000 elements) refuse real structures — a CA's CRL lists tens of thousands of certificates, and
 * a CAdES-LT signature carries it. No element is shorter than 2 bytes, nor longer than the input.
 */
export function readBer(der: Uint8Array): ReturnType<typeof asn1js.fromBER> {
  return asn1js.fromBER(toArrayBuffer(der), {
    maxContentLength: Math.max(der.length, 1),
    maxNodes: Math.max(Math.ceil(der.length / 2), asn1js.DEFAULT_MAX_NODES),
  });
}

export class TooManyCertificatesError extends Error {}

/** How many certificates a SignedData's [0] certificates set holds, read without pkijs's schemas. */
function certificateCount(contentInfo: asn1js.AsnType): number {
  const signedData = (contentInfo as asn1js.Sequence).valueBlock?.value?.[1];
  const inner = (signedData as asn1js.Constructed | undefined)?.valueBlock?.value?.[0];
  const fields = (inner as asn1js.Sequence | undefined)?.valueBlock?.value ?? [];
  const set = fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
  return (set as asn1js.Constructed | undefined)?.valueBlock?.value?.length ?? 0;
}

/** Throws when `der` is not one BER/DER ContentInfo; TooManyCertificatesError past LIMITS.maxCmsCertificates. */
export function readContentInfo(der: Uint8Array): pkijs.ContentInfo {
  const parsed = readBer(der);
  if (parsed.offset === -1) throw new Error(`not a ContentInfo: ${parsed.result.error}`);
  const count = certificateCount(parsed.result);
  if (count > LIMITS.maxCmsCertificates)
    throw new TooManyCertificatesError(
      `the CMS carries ${count} certificates, more than ${LIMITS.maxCmsCertificates}`,
    );
  return new pkijs.ContentInfo({ schema: parsed.result });
}
