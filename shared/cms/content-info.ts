/**
 * Reading a CMS ContentInfo whatever its size. asn1js refuses content over 16 MiB unless told
 * otherwise, so an attached signature of a larger document (which kyso signs, and openssl reads)
 * would not read back. The bound here is the input itself: nothing inside can be longer, and what
 * reaches this point was already size-limited by whoever read it (the verifier's body limit, a file).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../encoding.js';

/** Throws when `der` is not one BER/DER ContentInfo. */
export function readContentInfo(der: Uint8Array): pkijs.ContentInfo {
  const parsed = asn1js.fromBER(toArrayBuffer(der), { maxContentLength: Math.max(der.length, 1) });
  if (parsed.offset === -1) throw new Error(`not a ContentInfo: ${parsed.result.error}`);
  return new pkijs.ContentInfo({ schema: parsed.result });
}
