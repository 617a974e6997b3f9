/** XMLDSig algorithm identifiers (RFC 3275, RFC 6931) for the signatures kyso makes. */
import type { KeyType } from '../cms/algorithms.js';
import { DIGEST_INFO_PREFIX, SHA1_DIGEST_INFO_PREFIX } from '../cms/digest-info.js';
import type { DigestAlgorithm } from '../protocol/common.js';

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const C14N_10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** WebCrypto digest names; SHA-1 only for documents whose receivers still demand it. */
export type XmlDigestAlgorithm = DigestAlgorithm | 'SHA-1';

export const DIGEST_METHODS: Record<XmlDigestAlgorithm, string> = {
  'SHA-1': 'http://www.w3.org/2000/09/xmldsig#sha1',
  'SHA-256': 'http://www.w3.org/2001/04/xmlenc#sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmlenc#sha512',
};

export const SIGNATURE_METHODS: Record<KeyType, Record<XmlDigestAlgorithm, string>> = {
  RSA: {
    'SHA-1': 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    'SHA-256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
    'SHA-512': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  },
  EC: {
    'SHA-1': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1',
    'SHA-256': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
    'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
    'SHA-512': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
  },
};

/** DER DigestInfo prefixes, SHA-1 included (the CMS table only knows SHA-2). */
export const XML_DIGEST_INFO_PREFIX: Record<XmlDigestAlgorithm, string> = {
  ...DIGEST_INFO_PREFIX,
  'SHA-1': SHA1_DIGEST_INFO_PREFIX,
};

/** WebCrypto digest: the same in browsers, Node and workers. */
export async function xmlDigest(algorithm: XmlDigestAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>));
}
