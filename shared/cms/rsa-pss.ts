/**
 * RSASSA-PSS parameters (RFC 4055 §3.1, RFC 4056) of a SignerInfo, a certificate, a CRL or an OCSP
 * answer, checked before its signature is. pkijs verifies PSS with WebCrypto, whose mask is MGF1
 * over the signature's hash, reading only the hash and salt length (and, for a SignerInfo, not
 * even the hash: the key is imported for its digestAlgorithm): a mask the parameters declare was
 * never looked at, so a signature passed under parameters it was not made with (openssl refuses it).
 * Isomorphic: pkijs objects, no Node APIs.
 */
import * as pkijs from 'pkijs';
import { OID, readDigestAlgorithmFromOid, type ReadDigestAlgorithm } from './algorithms.js';

const HASH_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const hashName = (oid: string) => HASH_NAMES[oid] ?? oid;

/**
 * Why a signature under an RSASSA-PSS `signatureAlgorithm` cannot be verified as declared;
 * undefined when it can, or when it is not PSS. The signature is then verified under exactly these
 * parameters (hash and salt length). As openssl: the mask MGF1, the trailer 1. MGF1 over another
 * hash than the signature's (which openssl accepts) cannot be verified by WebCrypto: it is refused
 * rather than checked with the wrong mask.
 */
export function pssSignatureProblem(signatureAlgorithm: pkijs.AlgorithmIdentifier): string | undefined {
  const params = pssParameters(signatureAlgorithm);
  if (params === undefined) return undefined;
  if (params === 'malformed') return 'its RSASSA-PSS parameters are missing or malformed';
  const hash = params.hashAlgorithm.algorithmId;
  if (params.maskGenAlgorithm.algorithmId !== OID.mgf1)
    return `its RSASSA-PSS mask generation function (${params.maskGenAlgorithm.algorithmId}) is not MGF1`;
  const mgfHash = params.mgfHash.algorithmId;
  if (mgfHash !== hash)
    return `its RSASSA-PSS mask uses MGF1 with ${hashName(mgfHash)}, not with the signature's hash (${hashName(hash)}): kyso cannot verify that`;
  if (params.trailerField !== 1) return `its RSASSA-PSS trailer field is ${params.trailerField}, not 1`;
  if (!Number.isSafeInteger(params.saltLength) || params.saltLength < 0)
    return 'its RSASSA-PSS salt length is not a length';
  return undefined;
}

/**
 * Why a SignerInfo's RSASSA-PSS `signatureAlgorithm` cannot be verified as declared when its
 * messageDigest is over `digestAlgorithm` (pssSignatureProblem, and as openssl: the PSS hash must
 * be the digestAlgorithm); undefined when it can, or when it is not PSS.
 */
export function pssParametersProblem(
  signatureAlgorithm: pkijs.AlgorithmIdentifier,
  digestAlgorithm: ReadDigestAlgorithm,
): string | undefined {
  const params = pssParameters(signatureAlgorithm);
  // SHA-1 is read only to be judged as legacy; PSS, younger than its sunset, never needed it.
  if (params && digestAlgorithm === 'SHA-1') return 'RSASSA-PSS over SHA-1 is not supported';
  if (params && params !== 'malformed') {
    const hash = params.hashAlgorithm.algorithmId;
    if (readDigestAlgorithmFromOid(hash) !== digestAlgorithm)
      return `its RSASSA-PSS hash (${hashName(hash)}) is not the digest algorithm (${digestAlgorithm})`;
  }
  return pssSignatureProblem(signatureAlgorithm);
}

function pssParameters(
  signatureAlgorithm: pkijs.AlgorithmIdentifier,
): (pkijs.RSASSAPSSParams & { mgfHash: pkijs.AlgorithmIdentifier }) | 'malformed' | undefined {
  if (signatureAlgorithm.algorithmId !== OID.rsassaPss) return undefined;
  try {
    if (!signatureAlgorithm.algorithmParams) throw new Error('absent');
    const params = new pkijs.RSASSAPSSParams({ schema: signatureAlgorithm.algorithmParams });
    const mgfHash = new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams });
    return Object.assign(params, { mgfHash });
  } catch {
    return 'malformed';
  }
}
