/**
 * Whether an issuer signed a certificate or a CRL as it declares. pkijs verifies under the outer
 * signatureAlgorithm alone, which nobody signed (openssl refuses one that differs from the copy
 * inside the signed part), and verifies RSASSA-PSS with a mask of its own whatever the parameters
 * declare (rsa-pss.ts): both are checked here first. Isomorphic: pkijs and WebCrypto.
 */
import type * as pkijs from 'pkijs';
import { pssSignatureProblem } from '../cms/rsa-pss.js';
import { bytesToHex } from '../encoding.js';

const der = (algorithm: pkijs.AlgorithmIdentifier) =>
  bytesToHex(new Uint8Array(algorithm.toSchema().toBER()));

/**
 * Why the signature of a certificate or CRL cannot be verified as declared; undefined when it can
 * (whether it then verifies is the issuer key's to say).
 */
export function signatureAlgorithmProblem(
  signed: pkijs.Certificate | pkijs.CertificateRevocationList,
): string | undefined {
  if (der(signed.signature) !== der(signed.signatureAlgorithm))
    return 'its signature algorithm is not the one its signed part names';
  return pssSignatureProblem(signed.signatureAlgorithm);
}

/** Whether `issuer`'s key verifies `certificate`'s signature, under the algorithm it declares. */
export async function issuedBy(certificate: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  return !signatureAlgorithmProblem(certificate) && (await certificate.verify(issuer).catch(() => false));
}
