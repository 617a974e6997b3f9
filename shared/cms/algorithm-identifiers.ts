/** pkijs AlgorithmIdentifier objects for the structures built with pkijs (time-stamp requests). */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { DigestAlgorithm } from '../protocol/common.js';
import { DIGEST_OIDS, SIGNATURE_OIDS, type KeyType } from './algorithms.js';

/** RFC 5754: SHA-2 digest identifiers are written without parameters. */
export function digestAlgorithmIdentifier(algorithm: DigestAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OIDS[algorithm] });
}

/** RSA PKCS#1 v1.5 identifiers carry NULL parameters; ECDSA identifiers carry none (RFC 5754). */
export function signatureAlgorithmIdentifier(
  keyType: KeyType,
  digest: DigestAlgorithm,
): pkijs.AlgorithmIdentifier {
  return keyType === 'RSA'
    ? new pkijs.AlgorithmIdentifier({
        algorithmId: SIGNATURE_OIDS.RSA[digest],
        algorithmParams: new asn1js.Null(),
      })
    : new pkijs.AlgorithmIdentifier({ algorithmId: SIGNATURE_OIDS.EC[digest] });
}
