/**
 * RSASSA-PSS parameters of a SignerInfo (RFC 4055 §3.1, RFC 4056), checked before its signature is.
 * pkijs verifies PSS with the key imported for the SignerInfo's digestAlgorithm and MGF1 over that
 * same hash, reading only the salt length: a hash or MGF1 hash the parameters declare was never
 * looked at, so a signature passed under parameters it was not made with (openssl refuses it).
 * Isomorphic: pkijs objects, no Node APIs.
 */
import * as pkijs from 'pkijs';
import type { DigestAlgorithm } from '../protocol/common.js';
import { OID, digestAlgorithmFromOid } from './algorithms.js';

const HASH_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const hashName = (oid: string) => HASH_NAMES[oid] ?? oid;

/**
 * Why a SignerInfo's RSASSA-PSS `signatureAlgorithm` cannot be verified as declared when its
 * messageDigest is over `digestAlgorithm`; undefined when it can, or when it is not PSS. The
 * signature is then verified under exactly these parameters (the salt length included).
 * As openssl: the PSS hash must be the digestAlgorithm, the mask MGF1, the trailer 1. MGF1 over
 * another hash than the signature's (which openssl accepts) cannot be verified by WebCrypto: it is
 * refused rather than checked with the wrong mask.
 */
export function pssParametersProblem(
  signatureAlgorithm: pkijs.AlgorithmIdentifier,
  digestAlgorithm: DigestAlgorithm,
): string | undefined {
  if (signatureAlgorithm.algorithmId !== OID.rsassaPss) return undefined;
  let params: pkijs.RSASSAPSSParams;
  let mgfHash: pkijs.AlgorithmIdentifier;
  try {
    if (!signatureAlgorithm.algorithmParams) throw new Error('absent');
    params = new pkijs.RSASSAPSSParams({ schema: signatureAlgorithm.algorithmParams });
    mgfHash = new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams });
  } catch {
    return 'its RSASSA-PSS parameters are missing or malformed';
  }
  const hash = params.hashAlgorithm.algorithmId;
  if (digestAlgorithmFromOid(hash) !== digestAlgorithm)
    return `its RSASSA-PSS hash (${hashName(hash)}) is not the digest algorithm (${digestAlgorithm})`;
  if (params.maskGenAlgorithm.algorithmId !== OID.mgf1)
    return `its RSASSA-PSS mask generation function (${params.maskGenAlgorithm.algorithmId}) is not MGF1`;
  if (mgfHash.algorithmId !== hash)
    return `its RSASSA-PSS mask uses MGF1 with ${hashName(mgfHash.algorithmId)}, not with the signature's hash (${hashName(hash)}): kyso cannot verify that`;
  if (params.trailerField !== 1) return `its RSASSA-PSS trailer field is ${params.trailerField}, not 1`;
  if (!Number.isSafeInteger(params.saltLength) || params.saltLength < 0)
    return 'its RSASSA-PSS salt length is not a length';
  return undefined;
}
