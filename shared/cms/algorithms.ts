/**
 * Object identifiers for the signatures kyso makes. No pkijs here: the signing path imports this;
 * pkijs AlgorithmIdentifier objects are in algorithm-identifiers.ts.
 */
import type { DigestAlgorithm } from '../protocol/common.js';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
} as const;

export const DIGEST_OIDS: Record<DigestAlgorithm, string> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

const RSA_SIGNATURE_OIDS: Record<DigestAlgorithm, string> = {
  'SHA-256': '1.2.840.113549.1.1.11',
  'SHA-384': '1.2.840.113549.1.1.12',
  'SHA-512': '1.2.840.113549.1.1.13',
};

const ECDSA_SIGNATURE_OIDS: Record<DigestAlgorithm, string> = {
  'SHA-256': '1.2.840.10045.4.3.2',
  'SHA-384': '1.2.840.10045.4.3.3',
  'SHA-512': '1.2.840.10045.4.3.4',
};

export type KeyType = 'RSA' | 'EC';

export const SIGNATURE_OIDS: Record<KeyType, Record<DigestAlgorithm, string>> = {
  RSA: RSA_SIGNATURE_OIDS,
  EC: ECDSA_SIGNATURE_OIDS,
};

/**
 * The SignerInfo signature algorithms each key type is verified under, as openssl accepts them: the
 * bare key OID, RSASSA-PSS, or any hash-with-key OID (the hash used is the digestAlgorithm's).
 */
const SIGNATURE_OIDS_FOR_KEY: Record<string, ReadonlySet<string>> = {
  [OID.rsaEncryption]: new Set([
    OID.rsaEncryption,
    OID.rsassaPss,
    ...['4', '5', '11', '12', '13', '14'].map((n) => `1.2.840.113549.1.1.${n}`), // md5, sha1, sha256/384/512/224
  ]),
  [OID.ecPublicKey]: new Set([
    OID.ecPublicKey,
    '1.2.840.10045.4.1', // ecdsa-with-SHA1
    ...['1', '2', '3', '4'].map((n) => `1.2.840.10045.4.3.${n}`), // ecdsa-with-SHA224/256/384/512
  ]),
};

/** Whether a SignerInfo's (unsigned) signatureAlgorithm names one the signer's key can make; other key types are left to the crypto. */
export function signatureAlgorithmFitsKey(signatureOid: string, keyOid: string): boolean {
  return SIGNATURE_OIDS_FOR_KEY[keyOid]?.has(signatureOid) ?? true;
}

export function digestAlgorithmFromOid(oid: string): DigestAlgorithm | undefined {
  return (Object.keys(DIGEST_OIDS) as DigestAlgorithm[]).find((name) => DIGEST_OIDS[name] === oid);
}

export const SHA1_OID = '1.3.14.3.2.26';

/** A digest a signature or time-stamp *read* may use: kyso's, or SHA-1 for its verifier to judge as legacy (kyso never makes it). */
export type ReadDigestAlgorithm = DigestAlgorithm | 'SHA-1';

export function readDigestAlgorithmFromOid(oid: string): ReadDigestAlgorithm | undefined {
  return oid === SHA1_OID ? 'SHA-1' : digestAlgorithmFromOid(oid);
}

export { DIGEST_INFO_PREFIX, SHA1_DIGEST_INFO_PREFIX } from './digest-info.js';
